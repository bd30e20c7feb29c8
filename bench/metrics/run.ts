// Metrics benchmark, one run, same PostgreSQL:
//  1. ingest BENCH_POINTS metric points (default 10 M: a year of 5-minute takes, 3 a day, for one
//     student) through the analytics worker's storage path, beside psql \copy of the same rows
//     from files written beforehand (text into the parent table, and binary into each partition:
//     the same bytes the worker sends), so the baselines are not held back by their producer;
//  2. GET /api/analytics/dash over that year: P50 through the gateway, beside the same two
//     queries sent straight to PostgreSQL.
//   npm run bench:metrics            (BENCH_POINTS=500000 for a quick run)
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import pg from "pg";
import { ANALYSER_VERSION, PRACTICE_METRIC_NAMES, type AnalysisResult } from "../../services/analytics/analyser";
import { seededRandom } from "../../services/analytics/analyser/synthetic-signals";
import type { StoredAnalysis } from "../../services/analytics/analytics.service";
import type { AudioReadyMessage } from "../../services/media/media.service";
import { encodeMetricCopy, METRIC_COPY_COLUMNS } from "../../services/analytics/metric-copy";
import { ensureMonthPartitions, metricSeriesOf } from "../../services/analytics/metric-store";
import { PRACTICE_FOCUSES } from "../../services/practice/sessions.service";
import { httpClient } from "../../test/support/http-client";
import { percentile, startBenchNode, timedSamples } from "../support/bench-node";

const TARGET_POINTS = Number(process.env.BENCH_POINTS ?? 10_000_000);
const DASH_REQUESTS = Number(process.env.BENCH_DASH_REQUESTS ?? 200);
const TAKE_DURATION_MS = 5 * 60_000;
const CURVE_POINTS = TAKE_DURATION_MS / 100;
const POINTS_PER_TAKE = PRACTICE_METRIC_NAMES.length + 3 * CURVE_POINTS;
const TAKES_PER_DAY = 3;
const TARGET_POINTS_PER_S = 200_000;
const TARGET_DASH_P50_MS = 50;
const LAST_DAY = "2026-11-26";
const FIRST_DAY = "2025-11-27";
const TAKE_COUNT = Math.max(1, Math.ceil(TARGET_POINTS / POINTS_PER_TAKE));
const DAY_COUNT = Math.ceil(TAKE_COUNT / TAKES_PER_DAY);
const TIMEZONE = "Europe/Vienna";

interface Take {
	job: AudioReadyMessage;
	analysis: AnalysisResult;
}

/** Deterministic takes spread over the year, newest last; values vary so rollups are not constant. */
function* takes(studentId: string, sessionIds: string[]): Generator<Take> {
	const random = seededRandom(42);
	const tMs = Array.from({ length: CURVE_POINTS }, (_, index) => index * 100);
	for (let index = 0; index < sessionIds.length; index++) {
		const metrics = Object.fromEntries(PRACTICE_METRIC_NAMES.map((name) => [name, name === "bowStabilityRmsRadPerS" ? null : 50 + 100 * random()]));
		const curve = () => tMs.map((t) => (t % 7000 < 600 ? null : -40 + 30 * random()));
		yield {
			job: {
				videoId: randomUUID(),
				sessionId: sessionIds[index]!,
				studentId,
				audioKey: "bench/none.wav",
				sensorsKey: null,
				durationMs: TAKE_DURATION_MS,
				recordedAt: takeStart(index).toISOString()
			},
			analysis: {
				analyserVersion: ANALYSER_VERSION,
				a4Hz: 440,
				durationMs: TAKE_DURATION_MS,
				sampleRateHz: 22_050,
				channelCount: 1,
				metrics: metrics as AnalysisResult["metrics"],
				missing: { bowStabilityRmsRadPerS: "no_sensor_data" },
				curves: { periodMs: 100, tMs, loudnessDbfs: curve(), f0Hz: curve(), deviationCents: curve() }
			}
		};
	}
}

/** Takes fill the days up to LAST_DAY, so the dashboard's year holds all of them and the streak runs to today. */
function takeStart(index: number): Date {
	const daysBeforeLast = DAY_COUNT - 1 - Math.floor(index / TAKES_PER_DAY);
	return new Date(Date.parse(`${LAST_DAY}T07:00:00Z`) - daysBeforeLast * 86_400_000 + (index % TAKES_PER_DAY) * 4 * 3_600_000);
}

function copyLines(take: Take): string {
	const { job } = take;
	const start = Date.parse(job.recordedAt);
	let text = "";
	for (const { kind, key, unit, values, offsetsMs } of metricSeriesOf({ ...job, recordedAt: new Date(start), analysis: take.analysis })) {
		const rowStart = `${job.sessionId}\t${job.studentId}\t${job.videoId}\t${ANALYSER_VERSION}\t${kind}\t${key}\t`;
		for (let index = 0; index < offsetsMs.length; index++) {
			text += `${rowStart}${values[index] ?? "\\N"}\t${unit}\t${new Date(start + offsetsMs[index]!).toISOString()}\n`;
		}
	}
	return text;
}

interface CopyFiles {
	directory: string;
	text: string;
	/** Binary COPY files by partition. */
	binary: Map<string, string>;
}

const BINARY_HEADER_BYTES = 19;
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

async function write(stream: WriteStream, chunk: string | Buffer): Promise<void> {
	if (!stream.write(chunk)) await once(stream, "drain");
}

/** Every take's rows, as text (psql's default format) and as the worker's binary COPY data. */
async function writeCopyFiles(all: Iterable<Take>, partitions: Map<number, string>): Promise<CopyFiles> {
	const directory = await mkdtemp(path.join(os.tmpdir(), "etude-bench-copy-"));
	const text = createWriteStream(path.join(directory, "metrics.txt"));
	const binary = new Map<string, WriteStream>();
	for (const take of all) {
		const recording = { ...take.job, recordedAt: new Date(take.job.recordedAt), analysis: take.analysis };
		await write(text, copyLines(take));
		const copies = encodeMetricCopy({ ...recording, analyserVersion: take.analysis.analyserVersion }, metricSeriesOf(recording), partitions);
		for (const [partition, data] of copies) {
			let file = binary.get(partition);
			if (!file) {
				binary.set(partition, (file = createWriteStream(path.join(directory, `${partition}.bin`))));
				await write(file, data.subarray(0, BINARY_HEADER_BYTES));
			}
			await write(file, data.subarray(BINARY_HEADER_BYTES, data.length - BINARY_TRAILER.length));
		}
	}
	for (const file of binary.values()) await write(file, BINARY_TRAILER);
	await Promise.all([text, ...binary.values()].map(async (stream) => {
		stream.end();
		await once(stream, "finish");
	}));
	return { directory, text: text.path as string, binary: new Map([...binary].map(([partition, file]) => [partition, file.path as string])) };
}

/** Seconds psql takes to load the files, one \copy each. */
function timedCopies(copies: Array<{ table: string; file: string; format: "text" | "binary" }>, databaseUrl: string): number {
	const columns = METRIC_COPY_COLUMNS.join(", ");
	const started = performance.now();
	for (const { table, file, format } of copies) {
		execFileSync("psql", ["--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1", databaseUrl, "-c", `\\copy ${table} (${columns}) FROM '${file}' WITH (FORMAT ${format})`]);
	}
	return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
	const { node, baseUrl, databaseUrl, stop } = await startBenchNode("metrics");
	const direct = new pg.Client({ connectionString: databaseUrl });
	await direct.connect();
	try {
		const student = await httpClient(baseUrl).register("student", "bench");

		const sessionIds = Array.from({ length: TAKE_COUNT }, () => randomUUID());
		await direct.query(
			`INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts)
			 SELECT id, $1, ($2::practice_focus[])[1 + ordinality % $3], start_ts, start_ts + (10 + ordinality % 40) * interval '1 minute'
			 FROM unnest($4::uuid[], $5::timestamptz[]) WITH ORDINALITY AS s(id, start_ts, ordinality)`,
			[student.id, PRACTICE_FOCUSES, PRACTICE_FOCUSES.length, sessionIds, sessionIds.map((_, index) => takeStart(index))]
		);
		const analytics = node.broker.getLocalService("analytics") as unknown as {
			sequelize: Parameters<typeof ensureMonthPartitions>[0];
			recordPending(job: AudioReadyMessage): Promise<void>;
			storeAnalysis(job: AudioReadyMessage, analysis: StoredAnalysis): Promise<void>;
		};
		const partitions = await ensureMonthPartitions(analytics.sequelize, takeStart(0), takeStart(TAKE_COUNT));
		const pointCount = TAKE_COUNT * POINTS_PER_TAKE;
		console.log(`\nMetrics benchmark: ${TAKE_COUNT} five-minute takes = ${pointCount.toLocaleString("en")} points for one student, ${takeStart(0).toISOString().slice(0, 10)} … ${LAST_DAY}`);

		// Baselines: the same rows written to files first, then one psql \copy per file into the same table and indexes.
		const files = await writeCopyFiles(takes(student.id, sessionIds), partitions);
		const textSeconds = timedCopies([{ table: "metrics", file: files.text, format: "text" }], databaseUrl);
		await direct.query("TRUNCATE metrics; CHECKPOINT");
		const binarySeconds = timedCopies([...files.binary].map(([table, file]) => ({ table, file, format: "binary" })), databaseUrl);
		await direct.query("TRUNCATE metrics; CHECKPOINT");
		await rm(files.directory, { recursive: true, force: true });

		// Ours: what the worker does per take after analysing it (pending row, then one transaction).
		const started = performance.now();
		for (const take of takes(student.id, sessionIds)) {
			await analytics.recordPending(take.job);
			await analytics.storeAnalysis(take.job, take.analysis);
		}
		const ingestSeconds = (performance.now() - started) / 1000;
		for (const table of ["metrics", "metric_rollups_hourly", "practice_sessions"]) await direct.query(`VACUUM ANALYZE ${table}`);

		const ingestRate = pointCount / ingestSeconds;
		const textRate = pointCount / textSeconds;
		const binaryRate = pointCount / binarySeconds;
		const row = (label: string, seconds: number, rate: number) => console.log(`${label.padEnd(49)}| ${seconds.toFixed(1).padStart(7)} | ${Math.round(rate).toLocaleString("en").padStart(9)}`);
		console.log(`\n${"ingest".padEnd(49)}| seconds | points/s`);
		console.log(`${"-".repeat(49)}|---------|----------`);
		row("analytics worker path (1 take per tx, COPY)", ingestSeconds, ingestRate);
		row("baseline: psql \\copy, text file into metrics", textSeconds, textRate);
		row("baseline: psql \\copy, binary files per partition", binarySeconds, binaryRate);
		console.log(
			`target >= ${TARGET_POINTS_PER_S.toLocaleString("en")} points/s: ${ingestRate >= TARGET_POINTS_PER_S ? "meets" : "misses"}; ` +
				`worker / text file ${(ingestRate / textRate).toFixed(2)}, worker / binary files ${(ingestRate / binaryRate).toFixed(2)}`
		);

		const query = `from=${FIRST_DAY}&to=${LAST_DAY}&tz=${encodeURIComponent(TIMEZONE)}`;
		const headers = { authorization: `Bearer ${student.token}` };
		const probe = await fetch(`${baseUrl}/api/analytics/dash?${query}`, { headers });
		const dash = (await probe.json()) as { sessions: number; streakDays: number };
		if (probe.status !== 200) throw new Error(`dashboard answered ${probe.status}: ${JSON.stringify(dash)}`);
		const ours = await timedSamples(DASH_REQUESTS, async () => {
			const response = await fetch(`${baseUrl}/api/analytics/dash?${query}`, { headers });
			await response.arrayBuffer();
		});
		// Baseline: the dashboard's two queries (practice minutes per local day and focus, rollup trends) on one bare connection.
		const bare = await timedSamples(DASH_REQUESTS, async () => {
			await direct.query(
				`SELECT to_char(s.start_ts AT TIME ZONE $4, 'YYYY-MM-DD') AS date, s.focus, round(sum(extract(epoch FROM s.end_ts - s.start_ts)) / 60)::int AS minutes, count(*)::int AS sessions
				 FROM practice_sessions s WHERE s.student_id = $1 AND s.deleted_at IS NULL
				   AND s.start_ts >= ($2::date)::timestamp AT TIME ZONE $4 AND s.start_ts < (($3::date) + 1)::timestamp AT TIME ZONE $4
				 GROUP BY 1, 2 ORDER BY 1, 2`,
				[student.id, FIRST_DAY, LAST_DAY, TIMEZONE]
			);
			await direct.query(
				`SELECT metric_key, sum(value_sum) FILTER (WHERE hour_start >= ($2::date - 6)::timestamp AT TIME ZONE $3) AS last7, sum(value_sum) AS both
				 FROM metric_rollups_hourly WHERE student_id = $1 AND hour_start >= ($2::date - 13)::timestamp AT TIME ZONE $3 AND hour_start < ($2::date + 1)::timestamp AT TIME ZONE $3
				 GROUP BY metric_key`,
				[student.id, LAST_DAY, TIMEZONE]
			);
		});
		console.log(`\nGET /api/analytics/dash over a year (${dash.sessions} sessions, streak ${dash.streakDays} days), ${DASH_REQUESTS} sequential requests`);
		console.log("                                   | P50 ms | P95 ms");
		console.log("-----------------------------------|--------|-------");
		console.log(`etude gateway → analytics          | ${percentile(ours, 0.5).toFixed(2).padStart(6)} | ${percentile(ours, 0.95).toFixed(2).padStart(6)}`);
		console.log(`baseline: the same SQL, bare pg    | ${percentile(bare, 0.5).toFixed(2).padStart(6)} | ${percentile(bare, 0.95).toFixed(2).padStart(6)}`);
		console.log(`target P50 <= ${TARGET_DASH_P50_MS} ms: ${percentile(ours, 0.5) <= TARGET_DASH_P50_MS ? "meets" : "misses"}`);
	} finally {
		await direct.end();
		await stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
