/**
 * Media benchmark: ffmpeg-alone figures for the media pipeline's building blocks, and object storage upload
 * throughput. Baselines are measured in the same run:
 *   - media: plain ffmpeg CLI doing the 720p HLS transcode with exactly our settings (hls720pOutputOptions);
 *     every other operation is reported as a ratio of that time.
 *   - storage: the same stream written straight to a file on the same disk.
 *
 * Each timing is the best of BENCH_REPEATS runs, the baseline and our transcode interleaved, because other
 * work on the machine (2 cores, shared) slows single runs; the load average is printed beside the figures.
 *
 *   npm run bench:media
 *   BENCH_CLIP_SECONDS=10 BENCH_UPLOAD_MB=50 BENCH_REPEATS=1 npm run bench:media   (quick run)
 */
import { execFile } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, mkdtemp, open, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createObjectStorage, newObjectKey, type ObjectStorage } from "../../lib/storage";
import {
	extractAudioWav,
	extractThumbnail,
	hls720pOutputOptions,
	packageHlsStreamCopy,
	transcodeHls720p,
	validateRecording,
	warmUpFfmpeg
} from "../../services/media/ffmpeg";
import { generateClip } from "../../test/support/media-fixtures";
import { startS3Server } from "../../test/support/s3-server";

const CLIP_SECONDS = Number(process.env.BENCH_CLIP_SECONDS ?? 60);
const UPLOAD_MEGABYTES = Number(process.env.BENCH_UPLOAD_MB ?? 200);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const FIRST_RESULTS_MAX_RATIO = 0.05;
const TRANSCODE_MAX_RATIO = 1.15;
const UPLOAD_MIN_MEGABYTES_PER_SECOND = 100;
const MEGABYTE = 1024 * 1024;

const execFileAsync = promisify(execFile);

function print(line = ""): void {
	process.stdout.write(`${line}\n`);
}

async function timeSeconds(run: () => Promise<unknown>): Promise<number> {
	const startedAt = process.hrtime.bigint();
	await run();
	return Number(process.hrtime.bigint() - startedAt) / 1e9;
}

interface Measurement {
	wallSeconds: number;
	/** CPU of this process plus every child it has waited for (ffmpeg), so other load on the machine barely moves it. */
	cpuSeconds: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime + cutime + cstime from /proc/self/stat (Linux), in seconds. */
function processAndChildrenCpuSeconds(): number {
	const fieldsAfterName = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
	// Field 14 (utime) is index 11 once pid and (comm) are cut off; stime, cutime, cstime follow.
	const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fieldsAfterName[index]), 0);
	return ticks / CLOCK_TICKS_PER_SECOND;
}

async function measure(run: () => Promise<unknown>): Promise<Measurement> {
	const cpuBefore = processAndChildrenCpuSeconds();
	const wallSeconds = await timeSeconds(run);
	return { wallSeconds, cpuSeconds: processAndChildrenCpuSeconds() - cpuBefore };
}

function best(measurements: Measurement[]): Measurement {
	return {
		wallSeconds: Math.min(...measurements.map((measurement) => measurement.wallSeconds)),
		cpuSeconds: Math.min(...measurements.map((measurement) => measurement.cpuSeconds))
	};
}

async function bestOf(run: () => Promise<unknown>): Promise<Measurement> {
	const measurements: Measurement[] = [];
	for (let attempt = 0; attempt < REPEATS; attempt++) measurements.push(await measure(run));
	return best(measurements);
}

function loadAverage(): string {
	return loadavg()
		.map((load) => load.toFixed(2))
		.join(" ");
}

function verdict(value: number, limit: number, higherIsBetter = false): string {
	const meets = higherIsBetter ? value >= limit : value <= limit;
	return meets ? "meets" : "MISSES";
}

/** Reuses one 1 MiB buffer so producing the body costs nothing next to storing it. */
function uploadBody(sizeBytes: number): Readable {
	const chunk = Buffer.alloc(MEGABYTE, 0x5a);
	const chunkCount = Math.ceil(sizeBytes / MEGABYTE);
	return Readable.from(
		(function* () {
			for (let index = 0; index < chunkCount; index++) yield chunk;
		})()
	);
}

async function benchMedia(workDir: string): Promise<void> {
	const clipPath = path.join(workDir, "phone-recording.mp4");
	print(`Generating a ${CLIP_SECONDS} s 1080p30 H.264/AAC clip (testsrc2 + sine, x264 veryfast) …`);
	const generationSeconds = await timeSeconds(() =>
		generateClip(clipPath, { durationSeconds: CLIP_SECONDS, width: 1920, height: 1080, x264Preset: "veryfast" })
	);
	const { size: clipBytes } = await stat(clipPath);
	print(`  ${(clipBytes / MEGABYTE).toFixed(1)} MB in ${generationSeconds.toFixed(1)} s`);

	const baselineDir = path.join(workDir, "baseline-720p");
	await mkdir(baselineDir, { recursive: true });
	const ffmpegPath = process.env.FFMPEG_PATH ?? "/usr/bin/ffmpeg";
	const ffmpegAloneArgs = ["-hide_banner", "-v", "error", "-y", "-i", clipPath, ...hls720pOutputOptions(baselineDir)];

	// What a worker does when it starts: fluent-ffmpeg's one-off capability probe, kept out of the timed operations.
	const warmUpSeconds = await timeSeconds(() => warmUpFfmpeg());

	print(`Timing (best of ${REPEATS}), load average before: ${loadAverage()}`);
	const ffmpegAloneRuns: Measurement[] = [];
	const transcodeRuns: Measurement[] = [];
	for (let attempt = 0; attempt < REPEATS; attempt++) {
		ffmpegAloneRuns.push(await measure(() => execFileAsync(ffmpegPath, [...ffmpegAloneArgs, path.join(baselineDir, "index.m3u8")])));
		transcodeRuns.push(await measure(() => transcodeHls720p(clipPath, path.join(workDir, "hls-720p"))));
	}
	const ffmpegAlone = best(ffmpegAloneRuns);
	const validate = await bestOf(() => validateRecording(clipPath));
	const probe = await validateRecording(clipPath);
	const audio = await bestOf(() => extractAudioWav(clipPath, path.join(workDir, "audio.wav"), { probe }));
	const thumbnail = await bestOf(() => extractThumbnail(clipPath, path.join(workDir, "thumbnail.jpg"), { probe }));
	const streamCopy = await bestOf(() => packageHlsStreamCopy(clipPath, path.join(workDir, "hls-copy"), { probe }));
	const firstResults = {
		wallSeconds: validate.wallSeconds + audio.wallSeconds + streamCopy.wallSeconds,
		cpuSeconds: validate.cpuSeconds + audio.cpuSeconds + streamCopy.cpuSeconds
	};

	const rows: [string, Measurement, number | undefined][] = [
		["ffmpeg alone: 720p HLS (baseline)", ffmpegAlone, undefined],
		["validateRecording (ffprobe)", validate, undefined],
		["extractAudioWav", audio, FIRST_RESULTS_MAX_RATIO],
		["extractThumbnail", thumbnail, undefined],
		["packageHlsStreamCopy (first playable)", streamCopy, FIRST_RESULTS_MAX_RATIO],
		["validate + audio + first playable", firstResults, FIRST_RESULTS_MAX_RATIO],
		["transcodeHls720p (ours)", best(transcodeRuns), TRANSCODE_MAX_RATIO]
	];
	print();
	print(`Media, ${CLIP_SECONDS} s 1080p clip; ratios are to ffmpeg alone doing the 720p transcode in this run.`);
	print("Targets apply to wall time; CPU time (incl. ffmpeg children) shows our own overhead whatever else runs.");
	print(`${"operation".padEnd(40)} ${"wall s".padStart(8)} ${"ratio".padStart(7)} ${"CPU s".padStart(8)} ${"ratio".padStart(7)}  target`);
	for (const [operation, measurement, maxRatio] of rows) {
		const wallRatio = measurement.wallSeconds / ffmpegAlone.wallSeconds;
		const cpuRatio = measurement.cpuSeconds / ffmpegAlone.cpuSeconds;
		const outcome = maxRatio === undefined ? "" : `≤ ${maxRatio}  ${verdict(wallRatio, maxRatio)}`;
		const wall = `${measurement.wallSeconds.toFixed(2).padStart(8)} ${wallRatio.toFixed(3).padStart(7)}`;
		const cpu = `${measurement.cpuSeconds.toFixed(2).padStart(8)} ${cpuRatio.toFixed(3).padStart(7)}`;
		print(`${operation.padEnd(40)} ${wall} ${cpu}  ${outcome}`);
	}
	print(`(warmUpFfmpeg at worker start, once per process: ${warmUpSeconds.toFixed(2)} s)`);
	print(`load average after: ${loadAverage()}`);
}

async function uploadMegabytesPerSecond(storage: ObjectStorage, sizeBytes: number): Promise<number> {
	const key = newObjectKey("bench", "upload.bin");
	const seconds = await timeSeconds(() => storage.put(key, uploadBody(sizeBytes), { contentType: "video/mp4" }));
	const { sizeBytes: storedBytes } = await storage.stat(key);
	if (storedBytes !== sizeBytes) throw new Error(`Stored ${storedBytes} bytes instead of ${sizeBytes}`);
	await storage.delete(key);
	return sizeBytes / MEGABYTE / seconds;
}

/** The baseline: what the disk takes for the same stream, flushed like LocalDiskObjectStorage flushes it. */
async function rawWriteMegabytesPerSecond(filePath: string, sizeBytes: number): Promise<number> {
	const seconds = await timeSeconds(async () => {
		await pipeline(uploadBody(sizeBytes), createWriteStream(filePath));
		const file = await open(filePath, "r+");
		await file.sync();
		await file.close();
	});
	await rm(filePath);
	return sizeBytes / MEGABYTE / seconds;
}

/** s3rver's own ceiling: one presigned PUT of the same bytes, no client-side hashing or part splitting. */
async function presignedPutMegabytesPerSecond(storage: ObjectStorage, sizeBytes: number): Promise<number> {
	const wholeBody = Buffer.alloc(sizeBytes, 0x5a);
	const key = newObjectKey("bench", "ceiling.bin");
	const presignedPutUrl = await storage.presignedPutUrl(key, 600);
	const seconds = await timeSeconds(async () => {
		const response = await fetch(presignedPutUrl, { method: "PUT", body: wholeBody });
		if (!response.ok) throw new Error(`s3rver answered ${response.status} to the presigned PUT`);
	});
	await storage.delete(key);
	return sizeBytes / MEGABYTE / seconds;
}

async function benchStorage(workDir: string): Promise<void> {
	const sizeBytes = UPLOAD_MEGABYTES * MEGABYTE;
	const localStorage = createObjectStorage({
		backend: "local-disk",
		rootDir: path.join(workDir, "objects"),
		publicBaseUrl: "http://127.0.0.1/objects",
		urlSigningSecret: "bench-secret-bench-secret-bench-secret"
	});
	await localStorage.ensureBucket();
	const s3Server = await startS3Server();
	const best = { raw: 0, local: 0, s3: 0, s3rverCeiling: 0 };
	try {
		const s3Storage = createObjectStorage({
			backend: "s3",
			endpointUrl: s3Server.endpointUrl,
			region: s3Server.region,
			accessKey: s3Server.accessKey,
			secretKey: s3Server.secretKey,
			bucket: "etude-bench"
		});
		await s3Storage.ensureBucket();
		for (let attempt = 0; attempt < REPEATS; attempt++) {
			best.raw = Math.max(best.raw, await rawWriteMegabytesPerSecond(path.join(workDir, "raw-write.bin"), sizeBytes));
			best.local = Math.max(best.local, await uploadMegabytesPerSecond(localStorage, sizeBytes));
			best.s3 = Math.max(best.s3, await uploadMegabytesPerSecond(s3Storage, sizeBytes));
			best.s3rverCeiling = Math.max(best.s3rverCeiling, await presignedPutMegabytesPerSecond(s3Storage, sizeBytes));
		}
	} finally {
		await s3Server.stop();
	}

	print();
	print(`Storage, one ${UPLOAD_MEGABYTES} MB stream upload, best of ${REPEATS} (baseline: the same stream written to a file and fsynced)`);
	print(`${"backend".padEnd(40)} ${"MB/s".padStart(8)} ${"ratio".padStart(7)}  target`);
	const rows: [string, number, boolean][] = [
		["raw file write + fsync (baseline)", best.raw, false],
		["LocalDiskObjectStorage.put", best.local, true],
		["S3ObjectStorage.put → s3rver (loopback)", best.s3, true],
		["s3rver ceiling: one presigned PUT (fetch)", best.s3rverCeiling, false]
	];
	for (const [backend, megabytesPerSecond, hasTarget] of rows) {
		const outcome = hasTarget
			? `≥ ${UPLOAD_MIN_MEGABYTES_PER_SECOND} MB/s  ${verdict(megabytesPerSecond, UPLOAD_MIN_MEGABYTES_PER_SECOND, true)}`
			: "";
		const ratio = megabytesPerSecond / best.raw;
		print(`${backend.padEnd(40)} ${megabytesPerSecond.toFixed(0).padStart(8)} ${ratio.toFixed(2).padStart(7)}  ${outcome}`);
	}
}

const workDir = await mkdtemp(path.join(tmpdir(), "etude-bench-media-"));
try {
	await benchMedia(workDir);
	await benchStorage(workDir);
} finally {
	await rm(workDir, { recursive: true, force: true });
}
