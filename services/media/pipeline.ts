import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ForumMediaKind } from "../../contracts/media";
import type { ObjectLocation, ObjectStorage } from "../../lib/storage";
import {
	canStreamCopy,
	encodeForumClip,
	encodeForumImage,
	extractAudioWav,
	extractThumbnail,
	FORUM_MEDIA_LIMITS,
	probeMedia,
	streamCopyHls,
	transcodeHls720p,
	validateForumClip,
	validateForumImage,
	validateRecording,
	type RotationDegrees
} from "./ffmpeg";

export interface AudioOutputs {
	audioKey: string;
	durationMs: number;
}

export interface PipelineHooks {
	/** The WAV is stored: analysis can start while the video is still being converted. */
	audioReady(outputs: AudioOutputs): Promise<void>;
	thumbnailReady(thumbnailKey: string): Promise<void>;
	quickRenditionReady(playlistKey: string, rotationDegrees: RotationDegrees): Promise<void>;
	signal?: AbortSignal;
}

/** Waits for every task, so none still writes into the work folder when it is removed. */
async function allSettledOrThrow(tasks: Array<Promise<unknown>>): Promise<void> {
	const results = await Promise.allSettled(tasks);
	const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
	if (failure) throw failure.reason;
}

const CONTENT_TYPES: Record<string, string> = {
	".m3u8": "application/vnd.apple.mpegurl",
	".m4s": "video/iso.segment",
	".mp4": "video/mp4",
	".wav": "audio/wav",
	".jpg": "image/jpeg"
};

function contentTypeOf(file: string): string {
	return CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
}

async function putFile(storage: ObjectStorage, key: string, file: string): Promise<void> {
	await storage.putFile(key, file, { contentType: contentTypeOf(file) });
}

async function putDirectory(storage: ObjectStorage, prefix: string, directory: string): Promise<void> {
	const files = await readdir(directory);
	// Segments side by side (each put waits for its own flush or request); the playlist goes last,
	// so it never names a segment that is not stored yet.
	const playlists = files.filter((file) => file.endsWith(".m3u8"));
	await allSettledOrThrow(files.filter((file) => !file.endsWith(".m3u8")).map((file) => putFile(storage, `${prefix}${file}`, path.join(directory, file))));
	for (const file of playlists) await putFile(storage, `${prefix}${file}`, path.join(directory, file));
}

/** Long enough for the slowest transcode to open and seek the source again: a presigned URL is checked on each request. */
const SOURCE_URL_EXPIRY_SECONDS = 6 * 3600;

/**
 * Runs `work` on the upload where it lies (its file on local disk, a presigned URL on S3, which
 * ffmpeg reads by range requests): no copy of the source is made first. Outputs go to a work folder.
 */
async function withSource<T>(storage: ObjectStorage, sourceKey: string, work: (source: ObjectLocation, workDir: string) => Promise<T>): Promise<T> {
	const source = await storage.locate(sourceKey, SOURCE_URL_EXPIRY_SECONDS);
	const workDir = await mkdtemp(path.join(os.tmpdir(), "etude-media-"));
	try {
		return await work(source, workDir);
	} finally {
		await rm(workDir, { recursive: true, force: true });
	}
}

/**
 * The fast part of a recording, in about a second: the probe, the audio (so analysis starts the
 * moment the WAV is stored) and a stream-copied rendition that plays at once all start together,
 * the thumbnail once both results are out. Nothing is stored or announced before the probe has
 * accepted the recording, and a rejection stops what already runs. The audio is announced as soon
 * as it is stored, whether or not the rendition is: in the embedded default the analysis it starts
 * shares this process's event loop, but it reads the WAV in chunks and so yields between them, and
 * the rendition's files are copied by the file system, not through that loop (measured in
 * bench:media). Every output has a fixed key under `outputPrefix`, so running it twice overwrites,
 * never duplicates.
 */
export async function prepareRecording(storage: ObjectStorage, sourceKey: string, outputPrefix: string, hooks: PipelineHooks): Promise<void> {
	await withSource(storage, sourceKey, async ({ location: source, sizeBytes }, workDir) => {
		const rejected = new AbortController();
		const signal = hooks.signal ? AbortSignal.any([hooks.signal, rejected.signal]) : rejected.signal;
		const validation = validateRecording(source, {}, sizeBytes);
		validation.catch(() => rejected.abort());
		// Work started before the verdict reports the verdict when it fails, not its own abort.
		const accepted = <T>(work: Promise<T>): Promise<T> =>
			work.then(
				async (result) => {
					await validation;
					return result;
				},
				async (error: unknown) => {
					await validation;
					throw error;
				}
			);
		const audio = path.join(workDir, "audio.wav");
		const thumbnail = path.join(workDir, "thumbnail.jpg");
		const audioKey = `${outputPrefix}audio.wav`;
		const thumbnailKey = `${outputPrefix}thumbnail.jpg`;
		const quickRendition = accepted(streamCopyHls(source, path.join(workDir, "quick"), { signal })).then(
			async (playlistPath) => {
				const probe = await validation;
				if (!canStreamCopy(probe)) return;
				await putDirectory(storage, `${outputPrefix}quick/`, path.dirname(playlistPath));
				await hooks.quickRenditionReady(`${outputPrefix}quick/index.m3u8`, probe.video!.rotationDegrees);
			},
			async (error: unknown) => {
				// Other codecs may not copy at all: the app waits for the 720p rendition then.
				if (!canStreamCopy(await validation)) return;
				throw error;
			}
		);
		const audioAnnounced = accepted(extractAudioWav(source, audio, { signal })).then(async () => {
			const probe = await validation;
			await putFile(storage, audioKey, audio);
			await hooks.audioReady({ audioKey, durationMs: Math.round((probe.durationSeconds ?? 0) * 1000) });
		});
		const thumbnailStored = Promise.allSettled([quickRendition, audioAnnounced]).then(async () => {
			const probe = await validation;
			await extractThumbnail(source, thumbnail, { probe, signal });
			await putFile(storage, thumbnailKey, thumbnail);
			await hooks.thumbnailReady(thumbnailKey);
		});
		await allSettledOrThrow([validation, quickRendition, audioAnnounced, thumbnailStored]);
	});
}

/** The slow part: the 720p HLS rendition, stored under `outputPrefix`720p/; returns its playlist key. */
export async function transcodeRecording(
	storage: ObjectStorage,
	sourceKey: string,
	outputPrefix: string,
	options: { progress(percent: number): void; signal?: AbortSignal }
): Promise<string> {
	return withSource(storage, sourceKey, async ({ location: source, sizeBytes }, workDir) => {
		const probe = await probeMedia(source, sizeBytes);
		const rendition = await transcodeHls720p(source, path.join(workDir, "720p"), { probe, signal: options.signal, onProgress: options.progress });
		await putDirectory(storage, `${outputPrefix}720p/`, path.dirname(rendition.playlistPath));
		return `${outputPrefix}720p/index.m3u8`;
	});
}

export type { ForumMediaKind };

export interface ForumMediaOutputs {
	/** The re-encoded picture (`image.jpg`) or clip (`clip.mp4`). */
	mediaKey: string;
	/** A clip's poster (`poster.jpg`); null for a picture. */
	posterKey: string | null;
	width: number;
	height: number;
	durationSeconds: number | null;
}

/**
 * A forum picture or clip, made from nothing but its decoded pixels and sound: the picture as a
 * JPEG of at most 1600 px, the clip as an MP4 plus its poster. What ffmpeg cannot decode is
 * refused (a RecordingRejectedError, so the caller marks it failed). The sizes given back are the
 * outputs' own, read by ffprobe, for width/height on the page. Fixed keys under `outputPrefix`.
 */
export async function prepareForumMedia(storage: ObjectStorage, sourceKey: string, outputPrefix: string, kind: ForumMediaKind, signal?: AbortSignal): Promise<ForumMediaOutputs> {
	return withSource(storage, sourceKey, async ({ location: source, sizeBytes }, workDir) => {
		const file = path.join(workDir, kind === "image" ? "image.jpg" : "clip.mp4");
		if (kind === "image") {
			await validateForumImage(source, sizeBytes);
			await encodeForumImage(source, file, { signal });
		} else {
			const probe = await validateForumClip(source, sizeBytes);
			await encodeForumClip(source, file, { probe, signal });
		}
		const encoded = await probeMedia(file);
		const outputs: ForumMediaOutputs = {
			mediaKey: `${outputPrefix}${path.basename(file)}`,
			posterKey: null,
			width: encoded.video?.displayWidth ?? 0,
			height: encoded.video?.displayHeight ?? 0,
			durationSeconds: kind === "clip" ? (encoded.durationSeconds ?? null) : null
		};
		if (kind === "clip") {
			const poster = path.join(workDir, "poster.jpg");
			await extractThumbnail(file, poster, { probe: encoded, signal, maxWidthPx: FORUM_MEDIA_LIMITS.posterMaxWidthPx });
			outputs.posterKey = `${outputPrefix}poster.jpg`;
			await putFile(storage, outputs.posterKey, poster);
		}
		await putFile(storage, outputs.mediaKey, file);
		return outputs;
	});
}
