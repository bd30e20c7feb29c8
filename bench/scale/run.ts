// Scale-out benchmark: 1, 2 and 3 worker processes (SERVICES=media,analytics) draining the same
// backlog of recordings over real NATS JetStream and an S3 API (s3rver), beside bare ffmpeg doing
// the 720p transcodes of the same clips on the same cores, in the same run.
//   npm run bench:scale     (BENCH_RECORDINGS=8 BENCH_CLIP_SECONDS=10 BENCH_WORKERS=1,2,3)
// Each step: a fresh set of workers, the backlog uploaded through the gateway as fast as tus
// goes, then timed until every recording is ready and analysed. Printed per worker count: wall
// time, throughput, peak queue lag, how long the lag took to drain once the backlog was all in,
// how the recordings spread over the workers, and whether any was lost or done twice.
import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { migrateDatabase } from "../../lib/db/migrator";
import { hls720pOutputOptions } from "../../services/media/ffmpeg";
import { httpClient } from "../../test/support/http-client";
import { generateClip } from "../../test/support/media-fixtures";
import { createScratchDatabase } from "../../test/support/postgres";
import { clusterEnvironment, freePort, spawnEtudeNode, stopProcess, waitFor } from "../../test/support/processes";
import { s3NodeEnvironment, startS3Server } from "../../test/support/s3-server";
import { completionsByVideo, observeFleet, uploadBacklog } from "../../test/support/worker-fleet";

const execFileAsync = promisify(execFile);
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const RECORDINGS = Number(process.env.BENCH_RECORDINGS ?? 8);
const CLIP_SECONDS = Number(process.env.BENCH_CLIP_SECONDS ?? 10);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? "1,2,3").split(",").map(Number);
const LAG_SAMPLE_MS = 250;

interface StepResult {
	workers: number;
	wallS: number;
	recordingsPerMin: number;
	videoSecondsPerS: number;
	peakLag: number;
	drainS: number;
	spread: string;
	lost: number;
	doneTwice: number;
	failed: number;
}

async function bareFfmpeg(clipPath: string, workDir: string): Promise<{ wallS: number; recordingsPerMin: number; videoSecondsPerS: number }> {
	const startedAt = performance.now();
	for (let index = 0; index < RECORDINGS; index += 1) {
		const outDir = await mkdtemp(path.join(workDir, "baseline-"));
		await execFileAsync(process.env.FFMPEG_PATH ?? "ffmpeg", ["-hide_banner", "-v", "error", "-y", "-i", clipPath, ...hls720pOutputOptions(outDir), path.join(outDir, "index.m3u8")]);
		await rm(outDir, { recursive: true, force: true });
	}
	const wallS = (performance.now() - startedAt) / 1000;
	return { wallS, recordingsPerMin: (RECORDINGS / wallS) * 60, videoSecondsPerS: (RECORDINGS * CLIP_SECONDS) / wallS };
}

async function main(): Promise<void> {
	const workDir = await mkdtemp(path.join(os.tmpdir(), "etude-bench-scale-"));
	const namespace = `scale-${randomUUID().slice(0, 8)}`;
	const [database, s3] = await Promise.all([createScratchDatabase("etude_bench_scale"), startS3Server()]);
	await migrateDatabase(database.url);
	const observer = await observeFleet(NATS_URL, namespace);
	const nodes: ChildProcess[] = [];
	const start = (name: string, services: string, extra: Record<string, string> = {}) => {
		const child = spawnEtudeNode(name, workDir, {
			...clusterEnvironment({ natsUrl: NATS_URL, namespace, databaseUrl: database.url }),
			...s3NodeEnvironment(s3, "etude-bench-scale"),
			LOG_LEVEL: "warn",
			SERVICES: services,
			...extra
		});
		nodes.push(child);
		return child;
	};
	try {
		const clipPath = await generateClip(path.join(workDir, "clip.mp4"), { durationSeconds: CLIP_SECONDS, width: 1280, height: 720, x264Preset: "veryfast" });
		const clip = await readFile(clipPath);
		console.log(`Backlog: ${RECORDINGS} recordings of ${CLIP_SECONDS} s 1280×720 H.264/AAC (${(clip.length / 1024 ** 2).toFixed(1)} MiB each); ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`);

		const baseline = await bareFfmpeg(clipPath, workDir);
		console.log(`Baseline, bare ffmpeg 720p HLS (our settings) one clip after another: ${baseline.wallS.toFixed(1)} s`);

		const port = await freePort();
		const baseUrl = `http://127.0.0.1:${port}`;
		start("gateway", "api,auth,practice", { PORT: String(port) });
		const results: StepResult[] = [];
		for (const workerCount of WORKER_COUNTS) {
			const workers = Array.from({ length: workerCount }, (_, index) => {
				const nodeId = `${namespace}-w${workerCount}-${index + 1}`;
				return start(nodeId, "media,analytics", { NODE_ID: nodeId });
			});
			await waitFor(`${workerCount} worker(s) to join`, async () => (await fetch(`${baseUrl}/api/health/ready`)).status === 200, { timeoutMs: 120_000, logDir: workDir });
			const student = await httpClient(baseUrl).register("student", `scale-${workerCount}`);
			const processedBefore = observer.processed.length;
			const analysedBefore = observer.analysed.length;
			const failedBefore = observer.failed.length;

			let peakLag = 0;
			let sampling = true;
			const sampler = (async () => {
				while (sampling) {
					const lag = Object.values(await observer.queueLag()).reduce((sum, value) => sum + value, 0);
					peakLag = Math.max(peakLag, lag);
					await new Promise((resolve) => setTimeout(resolve, LAG_SAMPLE_MS));
				}
			})();
			const startedAt = performance.now();
			await uploadBacklog(baseUrl, student, Array.from({ length: RECORDINGS }, () => clip));
			const backlogInAt = performance.now();
			await waitFor(
				"the backlog to drain",
				async () => observer.processed.length - processedBefore >= RECORDINGS && observer.analysed.length - analysedBefore >= RECORDINGS,
				{ timeoutMs: 30 * 60_000, logDir: workDir }
			);
			await waitFor("the queues to read empty", async () => Object.values(await observer.queueLag()).every((lag) => lag === 0), { timeoutMs: 60_000, logDir: workDir });
			const doneAt = performance.now();
			sampling = false;
			await sampler;

			const processed = observer.processed.slice(processedBefore);
			const byVideo = completionsByVideo(processed);
			const perWorker = [...new Set(processed.map((completion) => completion.nodeID))].map((nodeId) => processed.filter((completion) => completion.nodeID === nodeId).length);
			const wallS = (doneAt - startedAt) / 1000;
			results.push({
				workers: workerCount,
				wallS,
				recordingsPerMin: (RECORDINGS / wallS) * 60,
				videoSecondsPerS: (RECORDINGS * CLIP_SECONDS) / wallS,
				peakLag,
				drainS: (doneAt - backlogInAt) / 1000,
				spread: perWorker.sort((a, b) => b - a).join("/"),
				lost: RECORDINGS - byVideo.size,
				doneTwice: [...byVideo.values()].filter((nodes) => nodes.length > 1).length,
				failed: observer.failed.length - failedBefore
			});
			await Promise.all(workers.map((worker) => stopProcess(worker, "SIGTERM")));
		}

		console.log();
		console.log("workers | wall s | recordings/min | video s per s | vs bare ffmpeg | peak lag | drain s | ready per worker | lost | twice | failed");
		console.log(`ffmpeg  | ${baseline.wallS.toFixed(1).padStart(6)} | ${baseline.recordingsPerMin.toFixed(1).padStart(14)} | ${baseline.videoSecondsPerS.toFixed(2).padStart(13)} |           1.00 |        — |       — | —                |    — |     — |      —`);
		for (const result of results) {
			console.log(
				`${String(result.workers).padEnd(7)} | ${result.wallS.toFixed(1).padStart(6)} | ${result.recordingsPerMin.toFixed(1).padStart(14)} | ${result.videoSecondsPerS.toFixed(2).padStart(13)} | ${(result.videoSecondsPerS / baseline.videoSecondsPerS).toFixed(2).padStart(14)} | ${String(result.peakLag).padStart(8)} | ${result.drainS.toFixed(1).padStart(7)} | ${result.spread.padEnd(16)} | ${String(result.lost).padStart(4)} | ${String(result.doneTwice).padStart(5)} | ${String(result.failed).padStart(6)}`
			);
		}
		console.log();
		console.log(
			"wall s: first upload to every recording ready and analysed and the queues empty. peak lag: messages waiting or in flight on the three worker consumers (media.process, media.transcode, media.audio_ready), as KEDA reads them. drain s: from the last upload to empty queues."
		);
		console.log("The baseline runs only the 720p transcodes; the workers also extract audio, a thumbnail and a stream-copied rendition, store everything in S3 and analyse the audio.");
		const problems = results.filter((result) => result.lost + result.doneTwice + result.failed > 0);
		if (problems.length > 0) process.exitCode = 1;
	} finally {
		await Promise.all(nodes.map((child) => stopProcess(child, "SIGTERM")));
		await observer.stop();
		await Promise.all([database.drop(), s3.stop()]);
		await rm(workDir, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
