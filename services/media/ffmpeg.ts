import { execFile } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import ffmpeg, { type FfmpegCommand } from "fluent-ffmpeg";
import {
	DurationOutOfRangeError,
	MediaOperationAbortedError,
	MediaProcessingFailedError,
	NoAudioTrackError,
	ProbeInterruptedError,
	NotDecodableError,
	NoVideoStreamError,
	ResolutionTooLargeError,
	StreamCopyUnsupportedError
} from "./errors";

export type RotationDegrees = 0 | 90 | 180 | 270;

export interface VideoStreamInfo {
	codec: string;
	/** Stored frame size, before rotation. */
	width: number;
	height: number;
	/** Frame size as shown to the viewer, after rotation. */
	displayWidth: number;
	displayHeight: number;
	fps: number;
	/** Clockwise rotation a player applies for display (phones store upright video as rotated landscape). */
	rotationDegrees: RotationDegrees;
}

export interface AudioStreamInfo {
	codec: string;
	sampleRateHz: number;
	channels: number;
}

export interface MediaProbe {
	durationSeconds: number | undefined;
	formatName: string;
	sizeBytes: number;
	video: VideoStreamInfo | undefined;
	audio: AudioStreamInfo | undefined;
	/** The container holds one picture (PNG, JPEG …), not a moving video. */
	isStillImage: boolean;
	/** An MP4/MOV whose index promises more media data than the file holds: an upload cut off mid-way. */
	isTruncated: boolean;
}

export interface RecordingLimits {
	minDurationSeconds: number;
	maxDurationSeconds: number;
	/** Checked on the display size, so a portrait 1080×1920 video counts as 1920×1080. */
	maxLongSidePx: number;
	maxShortSidePx: number;
}

/** The product takes 30 s – 5 min; the defaults leave room on both sides and refuse only what cannot be a lesson clip. */
export const DEFAULT_RECORDING_LIMITS: RecordingLimits = {
	minDurationSeconds: 1,
	maxDurationSeconds: 10 * 60,
	maxLongSidePx: 3840,
	maxShortSidePx: 2160
};

export interface MediaOperationOptions {
	signal?: AbortSignal;
	/** Reuse the result of validateRecording instead of probing the input again. */
	probe?: MediaProbe;
}

export interface TranscodeOptions extends MediaOperationOptions {
	/** Called with 0–100, never decreasing, ending with 100 on success. */
	onProgress?: (percent: number) => void;
}

export interface HlsRendition {
	playlistPath: string;
	/**
	 * Clockwise rotation the player must apply itself: ffmpeg 5.1's HLS muxer drops the display matrix,
	 * so stream-copied segments stay in stored orientation. Always 0 for the transcoded rendition.
	 */
	rotationDegrees: RotationDegrees;
}

const HLS_SEGMENT_SECONDS = 6;
const HLS_720P_SHORT_SIDE_PX = 720;
const THUMBNAIL_MAX_WIDTH_PX = 640;
const ANALYSIS_SAMPLE_RATE_HZ = 22_050;
// Image demuxers: a file ffprobe reads through one of these is a picture, whatever its extension says.
const STILL_IMAGE_FORMAT = /(^|,)(image2|[a-z0-9]+_pipe)(,|$)/;
// An MP4's sample tables give each stream's byte count (as bit rate × duration). Edit lists can make
// ffprobe's stream duration differ slightly from the one behind bit_rate, so we only call a file cut off
// when over 5 % of the promised bytes are missing: rejecting a good recording is worse than missing a tiny cut.
const TRUNCATION_TOLERANCE = 0.95;

/**
 * How long ffprobe may take to read a file's headers: well under a second for any file we take, so
 * more means a stalled connection to the bucket or a file built to make it search; the job is tried
 * again later instead of waiting for ever.
 */
const PROBE_TIMEOUT_MS = 30_000;

/** The parts of ffprobe's JSON (`-show_streams -show_format`) we read; ffprobe writes most numbers as strings. */
interface ProbedStream {
	codec_type?: string;
	codec_name?: string;
	width?: number;
	height?: number;
	avg_frame_rate?: string;
	r_frame_rate?: string;
	nb_frames?: string;
	bit_rate?: string;
	duration?: string;
	sample_rate?: string;
	channels?: number;
	disposition?: { attached_pic?: number };
	/** A display matrix among these carries the rotation (ffmpeg 5.1 and later). */
	side_data_list?: Array<{ rotation?: number }>;
}

interface ProbedFile {
	streams: ProbedStream[];
	format: { format_name?: string; duration?: string };
}

export interface FfmpegBinaries {
	ffmpeg: string;
	ffprobe: string;
}

// Bare names are looked up on the PATH; the media service sets what the configuration says.
let binaries: FfmpegBinaries = { ffmpeg: "ffmpeg", ffprobe: "ffprobe" };

/** Which ffmpeg and ffprobe this process runs (FFMPEG_PATH / FFPROBE_PATH, default: found on the PATH). */
export function useFfmpegBinaries(configured: FfmpegBinaries): void {
	binaries = configured;
}

/**
 * An upload read in place over HTTP (a presigned S3 URL) must not fail on a dropped connection or a
 * passing 5xx: the recording would be rejected and its bytes deleted. ffmpeg reconnects and resumes
 * at its offset instead, and gives up on a read that has waited 30 s (`-rw_timeout`, in µs), so a
 * stalled bucket fails the job, to be tried again, instead of holding it for ever.
 */
function inputOptionsOf(input: string): string[] {
	if (!isRemote(input)) return [];
	return ["-reconnect", "1", "-reconnect_on_network_error", "1", "-reconnect_on_http_error", "5xx", "-reconnect_delay_max", "10", "-rw_timeout", "30000000"];
}

function isRemote(input: string): boolean {
	return /^https?:\/\//.test(input);
}

/** What ffprobe says when the bucket, not the file, failed it (after its own reconnects). */
const BUCKET_FAILURE = /timed out|Connection refused|Connection reset|Server returned 5|Network is unreachable|No route to host/i;

function newCommand(input: string): FfmpegCommand {
	return ffmpeg(input).inputOptions(inputOptionsOf(input)).setFfmpegPath(binaries.ffmpeg).setFfprobePath(binaries.ffprobe);
}

/**
 * Before a process's first ffmpeg command, fluent-ffmpeg runs ffmpeg twice to list its formats and encoders
 * (measured here: 1.3–2.7 s on a busy machine). A worker calls this when it starts, so its first recording
 * does not wait for that.
 */
export async function warmUpFfmpeg(): Promise<void> {
	const command = ffmpeg().setFfmpegPath(binaries.ffmpeg);
	await new Promise<void>((resolve, reject) => command.availableFormats((error) => (error ? reject(error) : resolve())));
	await new Promise<void>((resolve, reject) => command.availableEncoders((error) => (error ? reject(error) : resolve())));
}

function finiteNumber(value: unknown): number | undefined {
	const parsed = typeof value === "number" ? value : Number.parseFloat(String(value));
	return Number.isFinite(parsed) ? parsed : undefined;
}

/** "30000/1001" → 29.97 */
function parseFrameRate(rate: string | undefined): number | undefined {
	const [numerator, denominator] = (rate ?? "").split("/").map(Number);
	if (!numerator || !denominator) return undefined;
	return numerator / denominator;
}

function lastLines(log: string | null | undefined, lineCount = 8): string {
	return (log ?? "").trim().split("\n").slice(-lineCount).join("\n");
}

function clockwiseRotation(stream: ProbedStream): RotationDegrees {
	// ffprobe reports the display matrix angle counter-clockwise; ffmpeg's own autorotate negates it the same way.
	const counterClockwise = finiteNumber(stream.side_data_list?.find((sideData) => sideData.rotation !== undefined)?.rotation) ?? 0;
	const clockwise = (((Math.round(-counterClockwise / 90) * 90) % 360) + 360) % 360;
	return clockwise as RotationDegrees;
}

function describeVideo(stream: ProbedStream): VideoStreamInfo {
	const width = stream.width ?? 0;
	const height = stream.height ?? 0;
	const rotationDegrees = clockwiseRotation(stream);
	const sideways = rotationDegrees === 90 || rotationDegrees === 270;
	return {
		codec: stream.codec_name ?? "unknown",
		width,
		height,
		displayWidth: sideways ? height : width,
		displayHeight: sideways ? width : height,
		fps: parseFrameRate(stream.avg_frame_rate) ?? parseFrameRate(stream.r_frame_rate) ?? 0,
		rotationDegrees
	};
}

const runFile = promisify(execFile);

/** ffprobe run directly rather than through fluent-ffmpeg, which gives no way to stop it. */
async function ffprobe(input: string, timeoutMs: number): Promise<ProbedFile> {
	const args = ["-v", "error", ...inputOptionsOf(input), "-print_format", "json", "-show_streams", "-show_format", input];
	try {
		const { stdout } = await runFile(binaries.ffprobe, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 });
		return JSON.parse(stdout) as ProbedFile;
	} catch (error) {
		const failure = error as Error & { killed?: boolean; stderr?: string };
		if (failure.killed) throw new ProbeInterruptedError(`still reading after ${timeoutMs / 1000} s`);
		// ffprobe names the file by its server path; the student should see only what went wrong.
		const ffprobeReason = lastLines(failure.stderr ?? failure.message, 1).replace(`${input}: `, "");
		if (isRemote(input) && BUCKET_FAILURE.test(ffprobeReason)) throw new ProbeInterruptedError(ffprobeReason);
		throw new NotDecodableError(`ffprobe could not read it (${ffprobeReason})`);
	}
}

/**
 * Streams, duration and format of a media file (a path, or a URL with its size); rejects with
 * ERR_NOT_DECODABLE when ffprobe cannot read it, and with a ProbeInterruptedError (to be tried
 * again) when it has not finished within `timeoutMs` or the bucket's connection failed.
 */
export async function probeMedia(input: string, knownSizeBytes?: number, { timeoutMs = PROBE_TIMEOUT_MS } = {}): Promise<MediaProbe> {
	const sizeBytes = knownSizeBytes ?? (await stat(input)).size;
	if (sizeBytes === 0) throw new NotDecodableError("the file is empty");
	const data = await ffprobe(input, timeoutMs);
	const formatName = data.format.format_name ?? "unknown";
	// Cover art in an audio file is a picture attached to the sound, not a video stream.
	const videoStream = data.streams.find((stream) => stream.codec_type === "video" && !stream.disposition?.attached_pic);
	const audioStream = data.streams.find((stream) => stream.codec_type === "audio");
	const frameCount = finiteNumber(videoStream?.nb_frames);
	return {
		durationSeconds: finiteNumber(data.format.duration),
		formatName,
		sizeBytes,
		video: videoStream && describeVideo(videoStream),
		audio: audioStream && {
			codec: audioStream.codec_name ?? "unknown",
			sampleRateHz: finiteNumber(audioStream.sample_rate) ?? 0,
			channels: audioStream.channels ?? 0
		},
		isStillImage: STILL_IMAGE_FORMAT.test(formatName) || frameCount === 1,
		isTruncated: isTruncatedMp4(data, sizeBytes)
	};
}

function isTruncatedMp4(data: ProbedFile, sizeBytes: number): boolean {
	if (!/(^|,)(mov|mp4)(,|$)/.test(data.format.format_name ?? "")) return false;
	let promisedBytes = 0;
	for (const stream of data.streams) {
		const bitRate = finiteNumber(stream.bit_rate);
		const durationSeconds = finiteNumber(stream.duration);
		if (bitRate === undefined || durationSeconds === undefined) return false;
		promisedBytes += (bitRate * durationSeconds) / 8;
	}
	return sizeBytes < promisedBytes * TRUNCATION_TOLERANCE;
}

/**
 * Accepts a recording we can process or rejects it with a reason a student can act on
 * (ERR_NOT_DECODABLE, ERR_NO_VIDEO_STREAM, ERR_NO_AUDIO_TRACK, ERR_DURATION_OUT_OF_RANGE, ERR_RESOLUTION_TOO_LARGE).
 */
export async function validateRecording(input: string, limits: Partial<RecordingLimits> = {}, knownSizeBytes?: number): Promise<MediaProbe> {
	const { minDurationSeconds, maxDurationSeconds, maxLongSidePx, maxShortSidePx } = { ...DEFAULT_RECORDING_LIMITS, ...limits };
	const probe = await probeMedia(input, knownSizeBytes);
	if (probe.isTruncated) {
		throw new NotDecodableError("the file is cut off before its end; upload it again");
	}
	if (!probe.video) throw new NoVideoStreamError("it holds sound only");
	if (probe.isStillImage) throw new NoVideoStreamError("it is a still picture, not a video");
	if (!probe.audio) throw new NoAudioTrackError();
	const { durationSeconds } = probe;
	if (durationSeconds === undefined || durationSeconds < minDurationSeconds || durationSeconds > maxDurationSeconds) {
		throw new DurationOutOfRangeError(durationSeconds, minDurationSeconds, maxDurationSeconds);
	}
	const { displayWidth, displayHeight } = probe.video;
	if (Math.max(displayWidth, displayHeight) > maxLongSidePx || Math.min(displayWidth, displayHeight) > maxShortSidePx) {
		throw new ResolutionTooLargeError(displayWidth, displayHeight, maxLongSidePx, maxShortSidePx);
	}
	return probe;
}

function timemarkSeconds(timemark: string): number {
	return timemark.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

interface RunOptions extends TranscodeOptions {
	/** What the command does, for error messages: "extract the audio". */
	operation: string;
	durationSeconds?: number;
}

/** Runs a prepared command; resolves when ffmpeg exits cleanly and the abort signal kills it with SIGKILL. */
function runCommand(command: FfmpegCommand, options: RunOptions): Promise<void> {
	const { signal, onProgress, operation, durationSeconds } = options;
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(new MediaOperationAbortedError(operation));
		const kill = () => command.kill("SIGKILL");
		signal?.addEventListener("abort", kill, { once: true });
		let reportedPercent = 0;
		if (onProgress && durationSeconds) {
			command.on("progress", ({ timemark }) => {
				const percent = Math.min(99, Math.max(reportedPercent, (timemarkSeconds(timemark) / durationSeconds) * 100));
				if (Number.isFinite(percent) && percent > reportedPercent) onProgress((reportedPercent = percent));
			});
		}
		command.on("error", (_error, _stdout, stderr) => {
			signal?.removeEventListener("abort", kill);
			reject(signal?.aborted ? new MediaOperationAbortedError(operation) : new MediaProcessingFailedError(operation, lastLines(stderr)));
		});
		command.on("end", () => {
			signal?.removeEventListener("abort", kill);
			onProgress?.(100);
			resolve();
		});
		command.run();
	});
}

/** Mono 16-bit PCM WAV at 22,050 Hz: the audio analyser's input. */
export async function extractAudioWav(input: string, output: string, options: MediaOperationOptions = {}): Promise<void> {
	await mkdir(path.dirname(output), { recursive: true });
	const command = newCommand(input)
		.output(output)
		.outputOptions(["-map", "0:a:0", "-vn", "-ac", "1", "-ar", String(ANALYSIS_SAMPLE_RATE_HZ), "-c:a", "pcm_s16le", "-f", "wav"]);
	await runCommand(command, { ...options, operation: "extract the audio" });
}

/** A JPEG at 1 s (or 10 % in, for clips under 10 s), at most 640 px wide (or `maxWidthPx`), upright. */
export async function extractThumbnail(input: string, output: string, options: MediaOperationOptions & { maxWidthPx?: number } = {}): Promise<void> {
	const probe = options.probe ?? (await probeMedia(input));
	const atSeconds = Math.min(1, (probe.durationSeconds ?? 0) * 0.1);
	await mkdir(path.dirname(output), { recursive: true });
	const command = newCommand(input)
		.seekInput(atSeconds)
		.output(output)
		.outputOptions([
			"-map", "0:v:0",
			"-frames:v", "1",
			"-vf", `scale=w='min(${options.maxWidthPx ?? THUMBNAIL_MAX_WIDTH_PX},iw)':h=-2`,
			"-q:v", "3",
			"-f", "image2",
			"-update", "1"
		]);
	await runCommand(command, { ...options, operation: "extract a thumbnail" });
}

/**
 * fMP4 (CMAF) segments: one init.mp4, then segment-NNN.m4s of ~6 s each.
 *
 * Both renditions put the first video frame at presentation time 0, so a time in the recording
 * (a feedback pin) is the same on either. By default ffmpeg shifts a rendition by whatever makes its
 * timestamps non-negative, which differs between them: the AAC priming of a stream copy (~21 ms)
 * and x264's B-frame delay in the 720p transcode (~67 ms), written as empty edits. Instead nothing
 * is shifted, and B-frames get negative composition offsets (trun version 1), so the first frame
 * shows at 0 whether or not a player applies edit lists (hls.js reads the fragments' own times).
 */
function hlsOutputOptions(outDir: string): string[] {
	return [
		"-avoid_negative_ts", "disabled",
		"-f", "hls",
		"-hls_segment_options", "movflags=+negative_cts_offsets",
		"-hls_time", String(HLS_SEGMENT_SECONDS),
		"-hls_playlist_type", "vod",
		"-hls_segment_type", "fmp4",
		"-hls_fmp4_init_filename", "init.mp4",
		"-hls_segment_filename", path.join(outDir, "segment-%03d.m4s")
	];
}

/** The short side scaled to `shortSide` px (never up), both sides even as H.264 needs. */
function shortSideScale(shortSide: number): string {
	// ffmpeg has already applied the rotation (autorotate), so iw/ih are the upright size.
	return `scale=w='if(gte(iw,ih),-2,trunc(min(${shortSide},iw)/2)*2)'` + `:h='if(gte(iw,ih),trunc(min(${shortSide},ih)/2)*2,-2)'`;
}

/**
 * Output options of the 720p rendition: libx264 veryfast and AAC, the short side scaled to 720 px
 * (never up), keyframes every 6 s so segments cut cleanly. Exported so the benchmark's plain-ffmpeg
 * baseline runs exactly these settings.
 */
export function hls720pOutputOptions(outDir: string): string[] {
	return [
		"-map", "0:v:0",
		"-map", "0:a:0",
		"-vf", shortSideScale(HLS_720P_SHORT_SIDE_PX),
		"-c:v", "libx264",
		"-preset", "veryfast",
		"-pix_fmt", "yuv420p",
		"-force_key_frames", `expr:gte(t,n_forced*${HLS_SEGMENT_SECONDS})`,
		"-c:a", "aac",
		"-b:a", "128k",
		"-ac", "2",
		...hlsOutputOptions(outDir)
	];
}

/**
 * The first playable rendition, in well under a second: the original H.264/AAC streams cut into HLS
 * segments without re-encoding. Rejects with ERR_STREAM_COPY_UNSUPPORTED for other codecs; the caller then
 * waits for transcodeHls720p.
 */
export async function packageHlsStreamCopy(input: string, outDir: string, options: MediaOperationOptions = {}): Promise<HlsRendition> {
	const probe = options.probe ?? (await probeMedia(input));
	if (!canStreamCopy(probe)) throw new StreamCopyUnsupportedError(probe.video?.codec, probe.audio?.codec);
	return { playlistPath: await streamCopyHls(input, outDir, options), rotationDegrees: probe.video!.rotationDegrees };
}

/** Whether packageHlsStreamCopy can package the recording: H.264 video with AAC sound. */
export function canStreamCopy(probe: MediaProbe): boolean {
	return probe.video?.codec === "h264" && probe.audio?.codec === "aac";
}

/**
 * The stream copy itself, without looking at the codecs first: lets a caller start it while the
 * probe still runs and keep the result only if canStreamCopy says so. Returns the playlist's path.
 */
export async function streamCopyHls(input: string, outDir: string, options: MediaOperationOptions = {}): Promise<string> {
	await mkdir(outDir, { recursive: true });
	const playlistPath = path.join(outDir, "index.m3u8");
	const command = newCommand(input)
		.output(playlistPath)
		.outputOptions(["-map", "0:v:0", "-map", "0:a:0", "-c", "copy", ...hlsOutputOptions(outDir)]);
	await runCommand(command, { ...options, operation: "package the video for streaming" });
	return playlistPath;
}

/** The 720p HLS rendition (see hls720pOutputOptions), reporting progress and stoppable through `signal`. */
export async function transcodeHls720p(input: string, outDir: string, options: TranscodeOptions = {}): Promise<HlsRendition> {
	const probe = options.probe ?? (await probeMedia(input));
	await mkdir(outDir, { recursive: true });
	const playlistPath = path.join(outDir, "index.m3u8");
	const command = newCommand(input).output(playlistPath).outputOptions(hls720pOutputOptions(outDir));
	await runCommand(command, { ...options, durationSeconds: probe.durationSeconds, operation: "convert the video to 720p" });
	return { playlistPath, rotationDegrees: 0 };
}

/** What the community embeds: pictures re-encoded to at most this on the long side, clips this short. */
export const FORUM_MEDIA_LIMITS = {
	imageMaxLongSidePx: 1600,
	/**
	 * A picture larger than this on a side is refused from its header, before it is decoded: a small file
	 * can declare a huge picture (a decompression bomb). 8192 px leaves room for a 48 MP phone (8000 × 6000).
	 */
	imageMaxInputSidePx: 8192,
	clipMaxDurationSeconds: 60,
	clipShortSidePx: 720,
	posterMaxWidthPx: 1280
} as const;

/** A picture we can decode (any still format ffmpeg reads, or the first frame of an animation), else ERR_NOT_DECODABLE/ERR_RESOLUTION_TOO_LARGE. */
export async function validateForumImage(input: string, knownSizeBytes?: number): Promise<MediaProbe> {
	const probe = await probeMedia(input, knownSizeBytes);
	if (!probe.video) throw new NotDecodableError("it holds no picture");
	const { displayWidth, displayHeight } = probe.video;
	const maxSide = FORUM_MEDIA_LIMITS.imageMaxInputSidePx;
	if (displayWidth === 0 || displayHeight === 0) throw new NotDecodableError("the picture has no size");
	if (Math.max(displayWidth, displayHeight) > maxSide) throw new ResolutionTooLargeError(displayWidth, displayHeight, maxSide, maxSide);
	return probe;
}

/** A clip with a moving picture of at most a minute (sound optional), else the recording codes. */
export async function validateForumClip(input: string, knownSizeBytes?: number): Promise<MediaProbe> {
	const probe = await probeMedia(input, knownSizeBytes);
	if (probe.isTruncated) throw new NotDecodableError("the file is cut off before its end; upload it again");
	if (!probe.video) throw new NoVideoStreamError("it holds sound only");
	if (probe.isStillImage) throw new NoVideoStreamError("it is a still picture, not a video");
	const maxSeconds = FORUM_MEDIA_LIMITS.clipMaxDurationSeconds;
	if (probe.durationSeconds === undefined || probe.durationSeconds <= 0 || probe.durationSeconds > maxSeconds) {
		throw new DurationOutOfRangeError(probe.durationSeconds, 0, maxSeconds);
	}
	return probe;
}

/**
 * The picture decoded and encoded again as a baseline JPEG, at most 1600 px on the long side (never
 * up): only pixels survive. `-map_metadata -1` and the JPEG encoder, which writes no EXIF, drop the
 * camera's metadata (GPS included); a second stream, a comment or a trailing payload is not decoded,
 * so it is not written either.
 */
export async function encodeForumImage(input: string, output: string, options: MediaOperationOptions = {}): Promise<void> {
	const side = FORUM_MEDIA_LIMITS.imageMaxLongSidePx;
	await mkdir(path.dirname(output), { recursive: true });
	const command = newCommand(input)
		.output(output)
		.outputOptions([
			"-map", "0:v:0",
			"-frames:v", "1",
			"-map_metadata", "-1",
			"-vf", `scale=w='min(${side},iw)':h='min(${side},ih)':force_original_aspect_ratio=decrease,format=yuvj420p`,
			"-c:v", "mjpeg",
			"-q:v", "3",
			"-f", "image2",
			"-update", "1"
		]);
	await runCommand(command, { ...options, operation: "re-encode the picture" });
}

/**
 * A small MP4 that plays in every browser: H.264 (short side at most 720 px, never up) and AAC when
 * the clip has sound, the index first (`+faststart`) so playback starts before the whole file is
 * read, no metadata of the original.
 */
export async function encodeForumClip(input: string, output: string, options: TranscodeOptions = {}): Promise<void> {
	const probe = options.probe ?? (await probeMedia(input));
	await mkdir(path.dirname(output), { recursive: true });
	const audio = probe.audio ? ["-map", "0:a:0", "-c:a", "aac", "-b:a", "96k", "-ac", "2"] : ["-an"];
	const command = newCommand(input)
		.output(output)
		.outputOptions([
			"-map", "0:v:0",
			...audio,
			"-map_metadata", "-1",
			"-t", String(FORUM_MEDIA_LIMITS.clipMaxDurationSeconds),
			"-vf", shortSideScale(FORUM_MEDIA_LIMITS.clipShortSidePx),
			"-c:v", "libx264",
			"-preset", "veryfast",
			"-crf", "28",
			"-pix_fmt", "yuv420p",
			"-movflags", "+faststart",
			"-f", "mp4"
		]);
	await runCommand(command, { ...options, durationSeconds: probe.durationSeconds, operation: "convert the clip" });
}
