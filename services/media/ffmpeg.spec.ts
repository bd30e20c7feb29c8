import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	generateClip,
	generateStillImage,
	writeTextFile,
	writeTruncatedCopy
} from "../../test/support/media-fixtures";
import {
	extractAudioWav,
	extractThumbnail,
	packageHlsStreamCopy,
	probeMedia,
	transcodeHls720p,
	validateRecording,
	warmUpFfmpeg
} from "./ffmpeg";
import { ProbeInterruptedError } from "./errors";

const SLOW_TIMEOUT_MS = 30_000;

let workDir: string;
const clips = {} as Record<
	"landscape" | "portrait" | "fullHd" | "silent" | "vp9" | "audioOnly" | "text" | "empty" | "truncated" | "truncatedFaststart" | "png" | "jpeg",
	string
>;

function inWorkDir(name: string): string {
	return path.join(workDir, name);
}

function ffmpegChildPids(): string[] {
	const output = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
	return output.split("\n").filter((line) => line.includes("ffmpeg"));
}

beforeAll(async () => {
	workDir = await mkdtemp(path.join(tmpdir(), "etude-ffmpeg-"));
	const small = { width: 320, height: 240, durationSeconds: 3 };
	clips.landscape = await generateClip(inWorkDir("landscape.mp4"), small);
	clips.portrait = await generateClip(inWorkDir("portrait.mp4"), { ...small, rotationDegrees: 90 });
	clips.fullHd = await generateClip(inWorkDir("full-hd.mp4"), { width: 1920, height: 1080, durationSeconds: 2 });
	clips.silent = await generateClip(inWorkDir("silent.mp4"), { ...small, withAudio: false });
	clips.vp9 = await generateClip(inWorkDir("vp9.webm"), { ...small, codecs: "vp9-opus" });
	const faststart = await generateClip(inWorkDir("faststart.mp4"), { ...small, faststart: true });
	clips.truncated = await writeTruncatedCopy(clips.landscape, inWorkDir("truncated.mp4"), 0.6);
	clips.truncatedFaststart = await writeTruncatedCopy(faststart, inWorkDir("truncated-faststart.mp4"), 0.6);
	clips.text = await writeTextFile(inWorkDir("notes-renamed.mp4"));
	clips.empty = inWorkDir("empty.mp4");
	await writeFile(clips.empty, "");
	clips.png = await generateStillImage(inWorkDir("picture.png"));
	clips.jpeg = await generateStillImage(inWorkDir("picture.jpg"));
	clips.audioOnly = inWorkDir("audio-only.m4a");
	execFileSync("ffmpeg", ["-v", "error", "-y", "-i", clips.landscape, "-vn", "-c:a", "copy", clips.audioOnly]);
}, 60_000);

afterAll(async () => {
	await rm(workDir, { recursive: true, force: true });
});

describe("warmUpFfmpeg", () => {
	it("asks ffmpeg for its formats and encoders ahead of the first command", async () => {
		await expect(warmUpFfmpeg()).resolves.toBeUndefined();
	});
});

describe("probeMedia", () => {
	it("reports the duration and the video and audio streams of a phone-like clip", async () => {
		const probe = await probeMedia(clips.landscape);

		expect(probe.durationSeconds).toBeCloseTo(3, 1);
		expect(probe.video).toEqual({
			codec: "h264",
			width: 320,
			height: 240,
			displayWidth: 320,
			displayHeight: 240,
			fps: 30,
			rotationDegrees: 0
		});
		expect(probe.audio).toEqual({ codec: "aac", sampleRateHz: 48_000, channels: 1 });
		expect(probe.isStillImage).toBe(false);
	});

	it("reports a portrait recording's clockwise rotation and its upright display size", async () => {
		const { video } = await probeMedia(clips.portrait);
		expect(video).toMatchObject({ width: 320, height: 240, rotationDegrees: 90, displayWidth: 240, displayHeight: 320 });
	});

	it(
		"takes a bucket that keeps failing for a reason to try again, not for a file we cannot read",
		async () => {
			// Every request answers 503: ffprobe reconnects (1 + 2 + 4 + 8 s) and then gives up.
			const failingBucket: Server = createServer((_request, response) => response.writeHead(503).end());
			await new Promise<void>((listening) => failingBucket.listen(0, "127.0.0.1", listening));
			try {
				const url = `http://127.0.0.1:${(failingBucket.address() as AddressInfo).port}/uploads/take.mp4`;
				await expect(probeMedia(url, 1_000_000)).rejects.toBeInstanceOf(ProbeInterruptedError);
			} finally {
				await new Promise((closed) => failingBucket.close(closed));
			}
		},
		SLOW_TIMEOUT_MS
	);

	it("stops ffprobe reading from a bucket that never answers, with an error to try again rather than a refusal", async () => {
		// A connection the bucket accepts and never answers, as a stalled S3 node does.
		const silentBucket: Server = createServer(() => undefined);
		await new Promise<void>((listening) => silentBucket.listen(0, "127.0.0.1", listening));
		try {
			const url = `http://127.0.0.1:${(silentBucket.address() as AddressInfo).port}/uploads/take.mp4`;
			await expect(probeMedia(url, 1_000_000, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(ProbeInterruptedError);
		} finally {
			silentBucket.closeAllConnections();
			await new Promise((closed) => silentBucket.close(closed));
		}
	});
});

describe("validateRecording", () => {
	it("accepts a short phone-like clip and returns its probe", async () => {
		await expect(validateRecording(clips.landscape)).resolves.toMatchObject({ video: { codec: "h264" }, audio: { codec: "aac" } });
	});

	it("accepts a 1080p clip", async () => {
		await expect(validateRecording(clips.fullHd)).resolves.toMatchObject({ video: { width: 1920, height: 1080 } });
	});

	it.each([
		["a text file renamed to .mp4", "text", "ERR_NOT_DECODABLE"],
		["a zero-byte file", "empty", "ERR_NOT_DECODABLE"],
		["an MP4 cut off before its index", "truncated", "ERR_NOT_DECODABLE"],
		["a streaming-friendly MP4 cut off mid-way", "truncatedFaststart", "ERR_NOT_DECODABLE"],
		["a PNG picture", "png", "ERR_NO_VIDEO_STREAM"],
		["a JPEG picture", "jpeg", "ERR_NO_VIDEO_STREAM"],
		["a sound-only file", "audioOnly", "ERR_NO_VIDEO_STREAM"],
		["a video without a sound track", "silent", "ERR_NO_AUDIO_TRACK"]
	] as const)("rejects %s with %s and a readable reason that does not reveal server paths", async (_description, clip, type) => {
		const rejection = validateRecording(clips[clip]);
		await expect(rejection).rejects.toMatchObject({ type, code: 422 });
		await expect(rejection).rejects.toThrow(/^The .+\.$/);
		await expect(rejection).rejects.not.toThrow(workDir);
	});

	it("rejects a clip shorter than the configured minimum with ERR_DURATION_OUT_OF_RANGE", async () => {
		await expect(validateRecording(clips.landscape, { minDurationSeconds: 30 })).rejects.toMatchObject({
			type: "ERR_DURATION_OUT_OF_RANGE",
			data: { minDurationSeconds: 30, maxDurationSeconds: 600 }
		});
	});

	it("rejects a clip longer than the configured maximum with ERR_DURATION_OUT_OF_RANGE", async () => {
		await expect(validateRecording(clips.landscape, { maxDurationSeconds: 2 })).rejects.toMatchObject({
			type: "ERR_DURATION_OUT_OF_RANGE"
		});
	});

	it("rejects a resolution above the configured limit with ERR_RESOLUTION_TOO_LARGE", async () => {
		await expect(validateRecording(clips.fullHd, { maxLongSidePx: 1280, maxShortSidePx: 720 })).rejects.toMatchObject({
			type: "ERR_RESOLUTION_TOO_LARGE",
			data: { width: 1920, height: 1080 }
		});
	});

	it("measures a portrait recording's resolution upright", async () => {
		await expect(validateRecording(clips.portrait, { maxLongSidePx: 320, maxShortSidePx: 240 })).resolves.toBeDefined();
	});
});

describe("extractAudioWav", () => {
	it("writes mono 16-bit PCM at 22,050 Hz lasting as long as the clip", async () => {
		const wavPath = inWorkDir("audio/landscape.wav");
		await extractAudioWav(clips.landscape, wavPath);

		const probe = await probeMedia(wavPath);
		expect(probe.audio).toEqual({ codec: "pcm_s16le", sampleRateHz: 22_050, channels: 1 });
		expect(probe.durationSeconds).toBeCloseTo(3, 1);
		expect(probe.video).toBeUndefined();
	});

	it("rejects a file without sound with ERR_MEDIA_PROCESSING_FAILED and ffmpeg's reason", async () => {
		await expect(extractAudioWav(clips.silent, inWorkDir("audio/silent.wav"))).rejects.toMatchObject({
			type: "ERR_MEDIA_PROCESSING_FAILED",
			data: { ffmpegLogTail: expect.stringMatching(/matches no streams/) }
		});
	});
});

describe("extractThumbnail", () => {
	it("writes a JPEG at most 640 px wide keeping the aspect ratio", async () => {
		const thumbnailPath = inWorkDir("thumbnails/full-hd.jpg");
		await extractThumbnail(clips.fullHd, thumbnailPath);
		expect((await probeMedia(thumbnailPath)).video).toMatchObject({ codec: "mjpeg", width: 640, height: 360 });
	});

	it("turns a portrait recording upright and never enlarges a small one", async () => {
		const thumbnailPath = inWorkDir("thumbnails/portrait.jpg");
		await extractThumbnail(clips.portrait, thumbnailPath);
		expect((await probeMedia(thumbnailPath)).video).toMatchObject({ width: 240, height: 320 });
	});
});

describe("packageHlsStreamCopy", () => {
	it("packages H.264/AAC into a playlist ffprobe reads back with both streams and the full length", async () => {
		const rendition = await packageHlsStreamCopy(clips.landscape, inWorkDir("hls-copy/landscape"));

		const playlist = await probeMedia(rendition.playlistPath);
		expect(playlist.formatName).toBe("hls");
		expect(playlist.video).toMatchObject({ codec: "h264", width: 320, height: 240 });
		expect(playlist.audio?.codec).toBe("aac");
		expect(playlist.durationSeconds).toBeCloseTo(3, 0);
		expect(rendition.rotationDegrees).toBe(0);
	});

	it("tells the player to rotate a stream-copied portrait recording", async () => {
		const rendition = await packageHlsStreamCopy(clips.portrait, inWorkDir("hls-copy/portrait"));
		expect(rendition.rotationDegrees).toBe(90);
	});

	it("refuses VP9/Opus with ERR_STREAM_COPY_UNSUPPORTED so the caller can skip it", async () => {
		await expect(packageHlsStreamCopy(clips.vp9, inWorkDir("hls-copy/vp9"))).rejects.toMatchObject({
			type: "ERR_STREAM_COPY_UNSUPPORTED",
			data: { videoCodec: "vp9", audioCodec: "opus" }
		});
	});
});

describe("transcodeHls720p", () => {
	it(
		"scales 1080p down to a valid 1280×720 playlist and reports rising progress ending at 100",
		async () => {
			const progress: number[] = [];
			const rendition = await transcodeHls720p(clips.fullHd, inWorkDir("hls-720p/full-hd"), {
				onProgress: (percent) => progress.push(percent)
			});

			const playlist = await probeMedia(rendition.playlistPath);
			expect(playlist.video).toMatchObject({ codec: "h264", width: 1280, height: 720 });
			expect(playlist.audio?.codec).toBe("aac");
			expect(playlist.durationSeconds).toBeCloseTo(2, 0);
			expect(progress.at(-1)).toBe(100);
			expect(progress).toEqual([...progress].sort((a, b) => a - b));
			expect(progress.every((percent) => Number.isFinite(percent) && percent >= 0)).toBe(true);
		},
		SLOW_TIMEOUT_MS
	);

	it("keeps a small clip at its own size instead of enlarging it", async () => {
		const rendition = await transcodeHls720p(clips.landscape, inWorkDir("hls-720p/landscape"));
		expect((await probeMedia(rendition.playlistPath)).video).toMatchObject({ width: 320, height: 240 });
	});

	it("turns a portrait recording upright in the pixels, so the player need not rotate", async () => {
		const rendition = await transcodeHls720p(clips.portrait, inWorkDir("hls-720p/portrait"));
		expect(rendition.rotationDegrees).toBe(0);
		expect((await probeMedia(rendition.playlistPath)).video).toMatchObject({ width: 240, height: 320, rotationDegrees: 0 });
	});

	it(
		"kills ffmpeg when aborted and rejects with ERR_MEDIA_ABORTED",
		async () => {
			const abortController = new AbortController();
			const transcoding = transcodeHls720p(clips.fullHd, inWorkDir("hls-720p/aborted"), {
				signal: abortController.signal,
				onProgress: () => abortController.abort()
			});

			await expect(transcoding).rejects.toMatchObject({ type: "ERR_MEDIA_ABORTED" });
			expect(ffmpegChildPids()).toEqual([]);
		},
		SLOW_TIMEOUT_MS
	);

	it("does not start ffmpeg when the signal is already aborted", async () => {
		const transcoding = transcodeHls720p(clips.landscape, inWorkDir("hls-720p/never"), { signal: AbortSignal.abort() });
		await expect(transcoding).rejects.toMatchObject({ type: "ERR_MEDIA_ABORTED" });
	});
});
