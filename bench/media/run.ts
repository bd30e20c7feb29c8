/**
 * Media benchmark: ffmpeg-alone figures for the media pipeline's building blocks, the whole pipeline end to
 * end through a running Etude node, and object storage upload throughput. Baselines are measured in the same run:
 *   - media: plain ffmpeg CLI doing the 720p HLS transcode with exactly our settings (hls720pOutputOptions);
 *     every other operation, and each end-to-end milestone, is reported as a ratio of that time.
 *   - end to end: the embedded default (every service in this process, local-disk objects, a scratch database
 *     on the local PostgreSQL) takes the same clip through tus-js-client; times run from upload start to
 *     media.audio_ready, to the first playable rendition (the session's video gets an hlsUrl), and to
 *     media.processed (720p ready). the media pipeline alone (prepareRecording then transcodeRecording) on the same storage kind, interleaved too, tells the
 *     pipeline's share from the service's (gateway, database, channels, analysis in the same process).
 *   - tus upload throughput on loopback: the clip, and UPLOAD_MEGABYTES of bytes the node rejects at once.
 *   - storage: the same stream written straight to a file on the same disk.
 *
 * Each timing is the best of BENCH_REPEATS runs, the baseline, our transcode and the end-to-end run
 * interleaved, because other work on the machine (2 cores, shared) slows single runs; the load average is
 * printed beside the figures.
 *
 *   npm run bench:media
 *   BENCH_CLIP_SECONDS=10 BENCH_UPLOAD_MB=50 BENCH_REPEATS=1 npm run bench:media   (quick run)
 */
import { execFile } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type { Context, ServiceBroker } from "moleculer";
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
import { prepareRecording, transcodeRecording } from "../../services/media/pipeline";
import { httpClient, practiceSession, type Account } from "../../test/support/http-client";
import { generateClip } from "../../test/support/media-fixtures";
import { createScratchDatabase } from "../../test/support/postgres";
import { startS3Server } from "../../test/support/s3-server";
import { startTestApi, type TestApi } from "../../test/support/test-node";
import { tusUpload } from "../../test/support/tus";

const CLIP_SECONDS = Number(process.env.BENCH_CLIP_SECONDS ?? 60);
const UPLOAD_MEGABYTES = Number(process.env.BENCH_UPLOAD_MB ?? 200);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const FIRST_RESULTS_MAX_RATIO = 0.05;
// Issue 13, measured from the end of the upload: the first playable rendition and the audio for analysis.
const FIRST_PLAYABLE_AFTER_UPLOAD_MAX_RATIO = 0.05;
const AUDIO_READY_AFTER_UPLOAD_MAX_RATIO = 0.03;
const TRANSCODE_MAX_RATIO = 1.15;
const UPLOAD_MIN_MEGABYTES_PER_SECOND = 100;
const KILOBYTE = 1024;
const MEGABYTE = 1024 * KILOBYTE;

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

/** A moment in the end-to-end run: wall clock and this process's CPU (every service, and reaped ffmpeg children). */
interface Moment {
	atNs: bigint;
	cpuSeconds: number;
}

function now(): Moment {
	return { atNs: process.hrtime.bigint(), cpuSeconds: processAndChildrenCpuSeconds() };
}

function secondsBetween(from: Moment, to: Moment): number {
	return Number(to.atNs - from.atNs) / 1e9;
}

const MEDIA_EVENTS = ["media.audio_ready", "media.processed", "media.failed", "analytics.metrics_ready", "analytics.metrics_failed"] as const;
type MediaEvent = (typeof MEDIA_EVENTS)[number];

/** A local service on the node's broker noting when each media (and analysis) event reaches a subscriber, per session. */
async function probeMediaEvents(broker: ServiceBroker): Promise<(event: MediaEvent, sessionId: string) => Promise<Moment>> {
	const arrivals = new EventEmitter();
	const noteArrival = (event: MediaEvent) => (ctx: Context<{ sessionId: string }>) => {
		arrivals.emit(`${event} ${ctx.params.sessionId}`, now());
	};
	broker.createService({ name: "bench-probe", events: Object.fromEntries(MEDIA_EVENTS.map((event) => [event, noteArrival(event)])) });
	await broker.waitForServices("bench-probe");
	return async (event, sessionId) => {
		const [moment] = await once(arrivals, `${event} ${sessionId}`);
		return moment as Moment;
	};
}

interface EndToEndNode {
	api: TestApi;
	student: Account;
	http: ReturnType<typeof httpClient>;
	arrival: (event: MediaEvent, sessionId: string) => Promise<Moment>;
	stop(): Promise<void>;
}

async function startEndToEndNode(): Promise<EndToEndNode> {
	const database = await createScratchDatabase("etude_bench_media");
	let api: TestApi | undefined;
	try {
		// One login lasts the whole run, which takes longer than an access token normally does.
		api = await startTestApi(database.url, { LOG_LEVEL: "error", ACCESS_TOKEN_TTL_SECONDS: "86400" });
		const http = httpClient(api.baseUrl);
		const arrival = await probeMediaEvents(api.node.broker);
		const student = await http.register("student", "bench");
		const started = api;
		return {
			api,
			http,
			arrival,
			student,
			async stop() {
				await started.stop();
				await database.drop();
			}
		};
	} catch (error) {
		await api?.stop();
		await database.drop();
		throw error;
	}
}

async function newSessionId(node: EndToEndNode): Promise<string> {
	const created = await node.http.request("POST", "/api/sessions", { token: node.student.token, body: practiceSession() });
	if (created.status !== 201) throw new Error(`Logging a session failed: ${created.status} ${JSON.stringify(created.body)}`);
	return created.body.id as string;
}

function upload(node: EndToEndNode, sessionId: string, body: Buffer) {
	return tusUpload(body, {
		baseUrl: node.api.baseUrl,
		token: node.student.token,
		metadata: { sessionId, kind: "video", filetype: "video/mp4" }
	});
}

const PLAYABLE_POLL_INTERVAL_MS = 50;

/** What the app sees: the session's video gets an hlsUrl (quick rendition first, if the pipeline made one). */
async function firstPlayable(node: EndToEndNode, sessionId: string): Promise<Moment & { rendition: string }> {
	for (;;) {
		const session = await node.http.request("GET", `/api/sessions/${sessionId}`, { token: node.student.token });
		const video = session.body.videos?.[0];
		if (video?.hlsUrl) return { ...now(), rendition: /\/hls\/([^.]+)\.m3u8/.exec(video.hlsUrl)?.[1] ?? "?" };
		if (video?.state === "failed") throw new Error(`The recording failed: ${video.failureCode} ${video.failureReason}`);
		await sleep(PLAYABLE_POLL_INTERVAL_MS);
	}
}

interface EndToEndRun {
	upload: Measurement;
	audioReady: Measurement;
	firstPlayable: Measurement;
	firstRendition: string;
	processed: Measurement;
	/** The analysis of the audio, running in the same process meanwhile; no target, shown because it competes for the CPU. */
	analysed: Measurement;
	/** Longest the event loop (gateway, pipeline callbacks, polls) could not run, upload start to 720p ready. */
	longestStallMs: number;
	/** The same milestones counted from the moment the upload's last request was answered. */
	afterUpload: { audioReady: Measurement; firstPlayable: Measurement; processed: Measurement };
}

function since(start: Moment, moment: Moment): Measurement {
	return { wallSeconds: secondsBetween(start, moment), cpuSeconds: moment.cpuSeconds - start.cpuSeconds };
}

async function endToEnd(node: EndToEndNode, clip: Buffer): Promise<EndToEndRun> {
	const sessionId = await newSessionId(node);
	const audioReady = node.arrival("media.audio_ready", sessionId);
	const processed = node.arrival("media.processed", sessionId);
	const analysed = Promise.race([node.arrival("analytics.metrics_ready", sessionId), node.arrival("analytics.metrics_failed", sessionId)]);
	const failed = node.arrival("media.failed", sessionId).then(() => {
		throw new Error("The recording failed in the end-to-end run");
	});
	const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
	eventLoopDelay.enable();
	const start = now();
	await upload(node, sessionId, clip);
	const uploaded = now();
	const [audioReadyAt, playableAt, processedAt] = await Promise.race([Promise.all([audioReady, firstPlayable(node, sessionId), processed]), failed]);
	eventLoopDelay.disable();
	// Waited for also so that the next baseline run does not share the CPU with it.
	const analysedAt = await analysed;
	return {
		upload: since(start, uploaded),
		audioReady: since(start, audioReadyAt),
		firstPlayable: since(start, playableAt),
		firstRendition: playableAt.rendition,
		processed: since(start, processedAt),
		analysed: since(start, analysedAt),
		longestStallMs: eventLoopDelay.max / 1e6,
		afterUpload: { audioReady: since(uploaded, audioReadyAt), firstPlayable: since(uploaded, playableAt), processed: since(uploaded, processedAt) }
	};
}

/** Bytes that ffprobe rejects at once, so the node spends next to nothing after the upload. */
async function uploadUndecodableSeconds(node: EndToEndNode, sizeBytes: number): Promise<number> {
	const sessionId = await newSessionId(node);
	const rejected = node.arrival("media.failed", sessionId);
	const start = now();
	await upload(node, sessionId, Buffer.alloc(sizeBytes, 0x5a));
	const uploadSeconds = secondsBetween(start, now());
	// The node copies and deletes the rejected bytes; let it finish before the next measurement.
	await rejected;
	return uploadSeconds;
}

interface PipelineRun {
	audioReady: Measurement;
	quickRendition: Measurement;
	processed: Measurement;
}

/**
 * the media pipeline alone (prepareRecording then transcodeRecording) on the same storage kind, no gateway, database, channels or analysis: what is left of
 * an end-to-end milestone after this is the service around the pipeline.
 */
async function pipelineAlone(storage: ObjectStorage, sourceKey: string): Promise<PipelineRun> {
	const start = now();
	let audioReadyAt = start;
	let quickRenditionAt = start;
	const outputPrefix = `${newObjectKey("bench", "recording")}/`;
	await prepareRecording(storage, sourceKey, outputPrefix, {
		audioReady: async () => {
			audioReadyAt = now();
		},
		thumbnailReady: async () => undefined,
		quickRenditionReady: async () => {
			quickRenditionAt = now();
		}
	});
	await transcodeRecording(storage, sourceKey, outputPrefix, { progress: () => undefined });
	const processedAt = now();
	return { audioReady: since(start, audioReadyAt), quickRendition: since(start, quickRenditionAt), processed: since(start, processedAt) };
}

function bestEndToEnd(runs: EndToEndRun[]): Omit<EndToEndRun, "firstRendition" | "longestStallMs"> {
	return {
		upload: best(runs.map((run) => run.upload)),
		audioReady: best(runs.map((run) => run.audioReady)),
		firstPlayable: best(runs.map((run) => run.firstPlayable)),
		processed: best(runs.map((run) => run.processed)),
		analysed: best(runs.map((run) => run.analysed)),
		afterUpload: {
			audioReady: best(runs.map((run) => run.afterUpload.audioReady)),
			firstPlayable: best(runs.map((run) => run.afterUpload.firstPlayable)),
			processed: best(runs.map((run) => run.afterUpload.processed))
		}
	};
}

async function localDiskStorage(rootDir: string): Promise<ObjectStorage> {
	const storage = createObjectStorage({
		backend: "local-disk",
		rootDir,
		publicBaseUrl: "http://127.0.0.1/objects",
		urlSigningSecret: "bench-secret-bench-secret-bench-secret"
	});
	await storage.ensureBucket();
	return storage;
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
	const ffmpegPath = process.env.FFMPEG_PATH ?? "ffmpeg";
	const ffmpegAloneArgs = ["-hide_banner", "-v", "error", "-y", "-i", clipPath, ...hls720pOutputOptions(baselineDir)];

	// What a worker does when it starts: fluent-ffmpeg's one-off capability probe, kept out of the timed operations.
	const warmUpSeconds = await timeSeconds(() => warmUpFfmpeg());

	const node = await startEndToEndNode();
	try {
		const clip = await readFile(clipPath);
		print(`Timing (best of ${REPEATS}), load average before: ${loadAverage()}`);
		const ffmpegAloneRuns: Measurement[] = [];
		const transcodeRuns: Measurement[] = [];
		const endToEndRuns: EndToEndRun[] = [];
		const pipelineRuns: PipelineRun[] = [];
		const pipelineStorage = await localDiskStorage(path.join(workDir, "pipeline-objects"));
		const pipelineSourceKey = newObjectKey("bench", "source.mp4");
		await pipelineStorage.put(pipelineSourceKey, Readable.from([clip]), { contentType: "video/mp4" });
		for (let attempt = 0; attempt < REPEATS; attempt++) {
			ffmpegAloneRuns.push(await measure(() => execFileAsync(ffmpegPath, [...ffmpegAloneArgs, path.join(baselineDir, "index.m3u8")])));
			transcodeRuns.push(await measure(() => transcodeHls720p(clipPath, path.join(workDir, "hls-720p"))));
			endToEndRuns.push(await endToEnd(node, clip));
			pipelineRuns.push(await pipelineAlone(pipelineStorage, pipelineSourceKey));
		}
		const ffmpegAlone = best(ffmpegAloneRuns);
		await printBuildingBlocks(workDir, clipPath, ffmpegAlone, best(transcodeRuns));
		print(`(warmUpFfmpeg at worker start, once per process: ${warmUpSeconds.toFixed(2)} s)`);
		printEndToEnd(endToEndRuns, pipelineRuns, ffmpegAlone, warmUpSeconds);
		const uploadSeconds = { fixed: Number.POSITIVE_INFINITY, large: Number.POSITIVE_INFINITY };
		for (let attempt = 0; attempt < REPEATS; attempt++) {
			uploadSeconds.fixed = Math.min(uploadSeconds.fixed, await uploadUndecodableSeconds(node, KILOBYTE));
			uploadSeconds.large = Math.min(uploadSeconds.large, await uploadUndecodableSeconds(node, UPLOAD_MEGABYTES * MEGABYTE));
		}
		printUploadThroughput(clipBytes, best(endToEndRuns.map((run) => run.upload)).wallSeconds, uploadSeconds);
		print(`load average after: ${loadAverage()}`);
	} finally {
		await node.stop();
	}
}

function printRow(label: string, measurement: Measurement, baseline: Measurement, maxRatio?: number, note = ""): void {
	const wallRatio = measurement.wallSeconds / baseline.wallSeconds;
	const cpuRatio = measurement.cpuSeconds / baseline.cpuSeconds;
	const outcome = maxRatio === undefined ? "" : `≤ ${maxRatio}  ${verdict(wallRatio, maxRatio)}`;
	const wall = `${measurement.wallSeconds.toFixed(2).padStart(8)} ${wallRatio.toFixed(3).padStart(7)}`;
	const cpu = `${measurement.cpuSeconds.toFixed(2).padStart(8)} ${cpuRatio.toFixed(3).padStart(7)}`;
	print(`${label.padEnd(44)} ${wall} ${cpu}  ${outcome}${note}`);
}

function printHeader(): void {
	print(`${"operation".padEnd(44)} ${"wall s".padStart(8)} ${"ratio".padStart(7)} ${"CPU s".padStart(8)} ${"ratio".padStart(7)}  target`);
}

function printEndToEnd(runs: EndToEndRun[], pipelineRuns: PipelineRun[], ffmpegAlone: Measurement, warmUpSeconds: number): void {
	const fastest = bestEndToEnd(runs);
	print();
	print(`End to end through a running node (embedded default, local-disk objects), ${CLIP_SECONDS} s 1080p clip, from upload start.`);
	print("CPU is this whole process (gateway, media, analytics, ffmpeg children once reaped) over the same span.");
	printHeader();
	printRow("ffmpeg alone: 720p HLS (baseline)", ffmpegAlone, ffmpegAlone);
	printRow("tus upload of the clip", fastest.upload, ffmpegAlone);
	printRow("(a) media.audio_ready", fastest.audioReady, ffmpegAlone, FIRST_RESULTS_MAX_RATIO);
	printRow("(b) first playable rendition (hlsUrl)", fastest.firstPlayable, ffmpegAlone, FIRST_RESULTS_MAX_RATIO);
	printRow("(c) media.processed (720p ready)", fastest.processed, ffmpegAlone, TRANSCODE_MAX_RATIO);
	printRow("analytics metrics ready (same process)", fastest.analysed, ffmpegAlone);
	print("From the end of the upload (its last request answered):");
	printRow("(a) media.audio_ready, after the upload", fastest.afterUpload.audioReady, ffmpegAlone, AUDIO_READY_AFTER_UPLOAD_MAX_RATIO);
	printRow("(b) first playable, after the upload", fastest.afterUpload.firstPlayable, ffmpegAlone, FIRST_PLAYABLE_AFTER_UPLOAD_MAX_RATIO);
	printRow("(c) 720p ready, after the upload", fastest.afterUpload.processed, ffmpegAlone);
	print("Each run, seconds from upload start (upload / a / b [rendition seen first] / c / analysed), from upload end (a / b), longest event-loop stall:");
	for (const run of runs) {
		const seconds = (measurement: Measurement) => measurement.wallSeconds.toFixed(2);
		const milestones = `${[run.upload, run.audioReady, run.firstPlayable].map(seconds).join(" / ")} [${run.firstRendition}] / ${seconds(run.processed)}`;
		const afterUpload = [run.afterUpload.audioReady, run.afterUpload.firstPlayable].map(seconds).join(" / ");
		print(`  ${milestones} / ${seconds(run.analysed)}; ${afterUpload}; ${run.longestStallMs.toFixed(0)} ms`);
	}
	print(
		`A worker's first recording also pays fluent-ffmpeg's capability probe (${warmUpSeconds.toFixed(2)} s above) unless the ` +
			"service warms ffmpeg up when it starts; here the bench already did in this process."
	);
	print();
	print("the media pipeline alone (prepareRecording then transcodeRecording) (same local-disk storage kind, no gateway, database, channels or analysis), from its call:");
	printHeader();
	printRow("audioReady hook", best(pipelineRuns.map((run) => run.audioReady)), ffmpegAlone);
	printRow("quickRenditionReady hook", best(pipelineRuns.map((run) => run.quickRendition)), ffmpegAlone);
	printRow("720p stored (returns)", best(pipelineRuns.map((run) => run.processed)), ffmpegAlone);
}

function printUploadThroughput(clipBytes: number, clipUploadSeconds: number, undecodableUploadSeconds: { fixed: number; large: number }): void {
	print();
	print(`Upload throughput through tus-js-client → gateway → local disk on loopback (best of ${REPEATS}), target ≥ ${UPLOAD_MIN_MEGABYTES_PER_SECOND} MB/s`);
	const megabytesPerSecond = (bytes: number, seconds: number) => bytes / MEGABYTE / seconds;
	const rows: [string, number, number][] = [
		[`the ${(clipBytes / MEGABYTE).toFixed(0)} MB clip`, clipUploadSeconds, megabytesPerSecond(clipBytes, clipUploadSeconds)],
		[
			`${UPLOAD_MEGABYTES} MB of undecodable bytes`,
			undecodableUploadSeconds.large,
			megabytesPerSecond(UPLOAD_MEGABYTES * MEGABYTE, undecodableUploadSeconds.large)
		],
		[
			`  less the fixed cost per upload (1 KB: ${undecodableUploadSeconds.fixed.toFixed(2)} s)`,
			undecodableUploadSeconds.large - undecodableUploadSeconds.fixed,
			megabytesPerSecond(UPLOAD_MEGABYTES * MEGABYTE, undecodableUploadSeconds.large - undecodableUploadSeconds.fixed)
		]
	];
	print(`${"upload".padEnd(52)} ${"s".padStart(7)} ${"MB/s".padStart(8)}  target`);
	for (const [label, seconds, rate] of rows) {
		print(`${label.padEnd(52)} ${seconds.toFixed(2).padStart(7)} ${rate.toFixed(0).padStart(8)}  ${verdict(rate, UPLOAD_MIN_MEGABYTES_PER_SECOND, true)}`);
	}
}

async function printBuildingBlocks(workDir: string, clipPath: string, ffmpegAlone: Measurement, transcode: Measurement): Promise<void> {
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
		["transcodeHls720p (ours)", transcode, TRANSCODE_MAX_RATIO]
	];
	print();
	print(`Media, ${CLIP_SECONDS} s 1080p clip; ratios are to ffmpeg alone doing the 720p transcode in this run.`);
	print("Targets apply to wall time; CPU time (incl. ffmpeg children) shows our own overhead whatever else runs.");
	printHeader();
	for (const [operation, measurement, maxRatio] of rows) printRow(operation, measurement, ffmpegAlone, maxRatio);
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
	const localStorage = await localDiskStorage(path.join(workDir, "objects"));
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
