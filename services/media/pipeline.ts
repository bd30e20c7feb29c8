import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { ObjectStorage } from "../../lib/storage";
import { StreamCopyUnsupportedError } from "./errors";
import { extractAudioWav, extractThumbnail, packageHlsStreamCopy, transcodeHls720p, validateRecording, type RotationDegrees } from "./ffmpeg";

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
	await storage.put(key, createReadStream(file), { contentType: contentTypeOf(file) });
}

async function putDirectory(storage: ObjectStorage, prefix: string, directory: string): Promise<void> {
	const files = await readdir(directory);
	// The playlist goes last, so it never names a segment that is not stored yet.
	files.sort((a, b) => Number(a.endsWith(".m3u8")) - Number(b.endsWith(".m3u8")));
	for (const file of files) await putFile(storage, `${prefix}${file}`, path.join(directory, file));
}

async function withSourceFile<T>(storage: ObjectStorage, sourceKey: string, work: (source: string, workDir: string) => Promise<T>): Promise<T> {
	const workDir = await mkdtemp(path.join(os.tmpdir(), "etude-media-"));
	try {
		const source = path.join(workDir, "source");
		await pipeline(await storage.get(sourceKey), createWriteStream(source));
		return await work(source, workDir);
	} finally {
		await rm(workDir, { recursive: true, force: true });
	}
}

/**
 * The fast part of a recording, in about a second: validate, then side by side the audio (so
 * analysis starts the moment the WAV is stored), the thumbnail and a stream-copied rendition
 * that plays at once. Every output has a fixed key under `outputPrefix`, so running it twice
 * overwrites, never duplicates.
 */
export async function prepareRecording(storage: ObjectStorage, sourceKey: string, outputPrefix: string, hooks: PipelineHooks): Promise<void> {
	await withSourceFile(storage, sourceKey, async (source, workDir) => {
		const probe = await validateRecording(source);
		const options = { probe, signal: hooks.signal };
		const audio = path.join(workDir, "audio.wav");
		const thumbnail = path.join(workDir, "thumbnail.jpg");
		const audioKey = `${outputPrefix}audio.wav`;
		const thumbnailKey = `${outputPrefix}thumbnail.jpg`;
		await allSettledOrThrow([
			extractAudioWav(source, audio, options)
				.then(() => putFile(storage, audioKey, audio))
				.then(() => hooks.audioReady({ audioKey, durationMs: Math.round((probe.durationSeconds ?? 0) * 1000) })),
			extractThumbnail(source, thumbnail, options)
				.then(() => putFile(storage, thumbnailKey, thumbnail))
				.then(() => hooks.thumbnailReady(thumbnailKey)),
			packageHlsStreamCopy(source, path.join(workDir, "quick"), options).then(
				async (quick) => {
					await putDirectory(storage, `${outputPrefix}quick/`, path.dirname(quick.playlistPath));
					await hooks.quickRenditionReady(`${outputPrefix}quick/index.m3u8`, quick.rotationDegrees);
				},
				(error: unknown) => {
					if (!(error instanceof StreamCopyUnsupportedError)) throw error;
				}
			)
		]);
	});
}

/** The slow part: the 720p HLS rendition, stored under `outputPrefix`720p/; returns its playlist key. */
export async function transcodeRecording(
	storage: ObjectStorage,
	sourceKey: string,
	outputPrefix: string,
	options: { progress(percent: number): void; signal?: AbortSignal }
): Promise<string> {
	return withSourceFile(storage, sourceKey, async (source, workDir) => {
		const rendition = await transcodeHls720p(source, path.join(workDir, "720p"), { signal: options.signal, onProgress: options.progress });
		await putDirectory(storage, `${outputPrefix}720p/`, path.dirname(rendition.playlistPath));
		return `${outputPrefix}720p/index.m3u8`;
	});
}
