import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import ffmpeg, { type FfmpegCommand, type FfprobeData, type FfprobeStream } from "fluent-ffmpeg";
import {
	DurationOutOfRangeError,
	MediaOperationAbortedError,
	MediaProcessingFailedError,
	NoAudioTrackError,
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

function ffmpegPath(): string {
	return process.env.FFMPEG_PATH ?? "/usr/bin/ffmpeg";
}

function ffprobePath(): string {
	return process.env.FFPROBE_PATH ?? "/usr/bin/ffprobe";
}

function newCommand(input: string): FfmpegCommand {
	return ffmpeg(input).setFfmpegPath(ffmpegPath()).setFfprobePath(ffprobePath());
}

/**
 * Before a process's first ffmpeg command, fluent-ffmpeg runs ffmpeg twice to list its formats and encoders
 * (measured here: 1.3–2.7 s on a busy machine). A worker calls this when it starts, so its first recording
 * does not wait for that.
 */
export async function warmUpFfmpeg(): Promise<void> {
	const command = ffmpeg().setFfmpegPath(ffmpegPath());
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

function clockwiseRotation(stream: FfprobeStream): RotationDegrees {
	// ffprobe reports the display matrix angle counter-clockwise; ffmpeg's own autorotate negates it the same way.
	const counterClockwise = finiteNumber(stream.rotation) ?? 0;
	const clockwise = (((Math.round(-counterClockwise / 90) * 90) % 360) + 360) % 360;
	return clockwise as RotationDegrees;
}

function describeVideo(stream: FfprobeStream): VideoStreamInfo {
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

function ffprobe(input: string): Promise<FfprobeData> {
	return new Promise((resolve, reject) => {
		newCommand(input).ffprobe((error: Error | null, data: FfprobeData) => (error ? reject(error) : resolve(data)));
	});
}

/** Streams, duration and format of a media file; rejects with ERR_NOT_DECODABLE when ffprobe cannot read it. */
export async function probeMedia(input: string): Promise<MediaProbe> {
	const { size: sizeBytes } = await stat(input);
	if (sizeBytes === 0) throw new NotDecodableError("the file is empty");
	let data: FfprobeData;
	try {
		data = await ffprobe(input);
	} catch (error) {
		// ffprobe names the file by its server path; the student should see only what went wrong.
		const ffprobeReason = lastLines((error as Error).message, 1).replace(`${input}: `, "");
		throw new NotDecodableError(`ffprobe could not read it (${ffprobeReason})`);
	}
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

function isTruncatedMp4(data: FfprobeData, sizeBytes: number): boolean {
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
export async function validateRecording(input: string, limits: Partial<RecordingLimits> = {}): Promise<MediaProbe> {
	const { minDurationSeconds, maxDurationSeconds, maxLongSidePx, maxShortSidePx } = { ...DEFAULT_RECORDING_LIMITS, ...limits };
	const probe = await probeMedia(input);
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

/** A JPEG at 1 s (or 10 % in, for clips under 10 s), at most 640 px wide, upright. */
export async function extractThumbnail(input: string, output: string, options: MediaOperationOptions = {}): Promise<void> {
	const probe = options.probe ?? (await probeMedia(input));
	const atSeconds = Math.min(1, (probe.durationSeconds ?? 0) * 0.1);
	await mkdir(path.dirname(output), { recursive: true });
	const command = newCommand(input)
		.seekInput(atSeconds)
		.output(output)
		.outputOptions([
			"-map", "0:v:0",
			"-frames:v", "1",
			"-vf", `scale=w='min(${THUMBNAIL_MAX_WIDTH_PX},iw)':h=-2`,
			"-q:v", "3",
			"-f", "image2",
			"-update", "1"
		]);
	await runCommand(command, { ...options, operation: "extract a thumbnail" });
}

/** fMP4 (CMAF) segments: one init.mp4, then segment-NNN.m4s of ~6 s each. */
function hlsOutputOptions(outDir: string): string[] {
	return [
		"-f", "hls",
		"-hls_time", String(HLS_SEGMENT_SECONDS),
		"-hls_playlist_type", "vod",
		"-hls_segment_type", "fmp4",
		"-hls_fmp4_init_filename", "init.mp4",
		"-hls_segment_filename", path.join(outDir, "segment-%03d.m4s")
	];
}

/**
 * Output options of the 720p rendition: libx264 veryfast and AAC, the short side scaled to 720 px
 * (never up), keyframes every 6 s so segments cut cleanly. Exported so the benchmark's plain-ffmpeg
 * baseline runs exactly these settings.
 */
export function hls720pOutputOptions(outDir: string): string[] {
	const shortSide = HLS_720P_SHORT_SIDE_PX;
	// ffmpeg has already applied the rotation (autorotate), so iw/ih are the upright size.
	const scale =
		`scale=w='if(gte(iw,ih),-2,trunc(min(${shortSide},iw)/2)*2)'` + `:h='if(gte(iw,ih),trunc(min(${shortSide},ih)/2)*2,-2)'`;
	return [
		"-map", "0:v:0",
		"-map", "0:a:0",
		"-vf", scale,
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
	if (probe.video?.codec !== "h264" || probe.audio?.codec !== "aac") {
		throw new StreamCopyUnsupportedError(probe.video?.codec, probe.audio?.codec);
	}
	await mkdir(outDir, { recursive: true });
	const playlistPath = path.join(outDir, "index.m3u8");
	const command = newCommand(input)
		.output(playlistPath)
		.outputOptions(["-map", "0:v:0", "-map", "0:a:0", "-c", "copy", ...hlsOutputOptions(outDir)]);
	await runCommand(command, { ...options, operation: "package the video for streaming" });
	return { playlistPath, rotationDegrees: probe.video.rotationDegrees };
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
