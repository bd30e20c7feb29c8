// Metrics benchmark, one run, same PostgreSQL:
//  1. ingest BENCH_POINTS metric points (default 10 M: a year of 5-minute takes, 3 a day, for one
//     student) through the analytics worker's storage path, beside a bare COPY of the same rows;
//  2. GET /api/analytics/dash over that year: P50 through the gateway, beside the same two
//     queries sent straight to PostgreSQL.
//   npm run bench:metrics            (BENCH_POINTS=500000 for a quick run)
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { loadConfig } from "../../broker.config";
import { migrateDatabase } from "../../lib/db/migrator";
import { startNode } from "../../lib/node";
import { ANALYSER_VERSION, PRACTICE_METRIC_NAMES, type AnalysisResult } from "../../services/analytics/analyser";
import { seededRandom } from "../../services/analytics/analyser/synthetic-signals";
import type { StoredAnalysis } from "../../services/analytics/analytics.service";
import type { AudioReadyMessage } from "../../services/media/media.service";
import { ensureMonthPartitions, metricPointsOf } from "../../services/analytics/metric-store";
import { PRACTICE_FOCUSES } from "../../services/practice/sessions.service";
import { httpClient } from "../../test/support/http-client";
import { createScratchDatabase } from "../../test/support/postgres";

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
	const points = metricPointsOf({ ...job, recordedAt: new Date(job.recordedAt), analysis: take.analysis });
	const start = Date.parse(job.recordedAt);
	let text = "";
	for (let index = 0; index < points.keys.length; index++) {
		const value = points.values[index];
		text += `${job.sessionId}\t${job.studentId}\t${job.videoId}\t${ANALYSER_VERSION}\t${points.kinds[index]}\t${points.keys[index]}\t${value ?? "\\N"}\t${points.units[index]}\t${new Date(start + points.offsetsMs[index]!).toISOString()}\n`;
	}
	return text;
}

function percentile(sortedMs: number[], fraction: number): number {
	return sortedMs[Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length))]!;
}

async function timedSamples(count: number, run: () => Promise<void>): Promise<number[]> {
	for (let warmUp = 0; warmUp < 10; warmUp++) await run();
	const samples: number[] = [];
	for (let index = 0; index < count; index++) {
		const started = performance.now();
		await run();
		samples.push(performance.now() - started);
	}
	return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
	const database = await createScratchDatabase("etude_bench_metrics");
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-bench-metrics-"));
	await migrateDatabase(database.url);
	const node = await startNode(
		loadConfig({
			NODE_ENV: "production",
			PORT: "0",
			DATABASE_URL: database.url,
			DATA_DIR: dataDir,
			LOG_LEVEL: "warn",
			RATE_LIMIT_PER_MINUTE: "0",
			JWT_SECRET: "bench-secret-that-is-long-enough-for-hs256-signing",
			// The dashboard is timed after minutes of ingest.
			ACCESS_TOKEN_TTL_SECONDS: "86400"
		})
	);
	const direct = new pg.Client({ connectionString: database.url });
	await direct.connect();
	try {
		const api = node.broker.getLocalService("api") as unknown as { server: { address(): { port: number } } };
		const baseUrl = `http://127.0.0.1:${api.server.address().port}`;
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
		await ensureMonthPartitions(analytics.sequelize, takeStart(0), takeStart(TAKE_COUNT));
		const pointCount = TAKE_COUNT * POINTS_PER_TAKE;
		console.log(`\nMetrics benchmark: ${TAKE_COUNT} five-minute takes = ${pointCount.toLocaleString("en")} points for one student, ${takeStart(0).toISOString().slice(0, 10)} … ${LAST_DAY}`);

		// Baseline: the same rows through one COPY, into the same table with the same indexes.
		let started = performance.now();
		const copyStream = direct.query(copyFrom("COPY metrics (session_id, student_id, video_id, analyser_version, kind, metric_key, metric_val, unit, ts) FROM STDIN"));
		await pipeline(Readable.from((function* () { for (const take of takes(student.id, sessionIds)) yield copyLines(take); })()), copyStream);
		const copySeconds = (performance.now() - started) / 1000;
		await direct.query("TRUNCATE metrics; CHECKPOINT");

		// Ours: what the worker does per take after analysing it (pending row, then one transaction).
		started = performance.now();
		for (const take of takes(student.id, sessionIds)) {
			await analytics.recordPending(take.job);
			await analytics.storeAnalysis(take.job, take.analysis);
		}
		const ingestSeconds = (performance.now() - started) / 1000;
		for (const table of ["metrics", "metric_rollups_hourly", "practice_sessions"]) await direct.query(`VACUUM ANALYZE ${table}`);

		const ingestRate = pointCount / ingestSeconds;
		const copyRate = pointCount / copySeconds;
		console.log("\ningest                                   | seconds | points/s");
		console.log("-----------------------------------------|---------|----------");
		console.log(`analytics worker path (1 take per tx)   | ${ingestSeconds.toFixed(1).padStart(7)} | ${Math.round(ingestRate).toLocaleString("en").padStart(9)}`);
		console.log(`baseline: one COPY of the same rows     | ${copySeconds.toFixed(1).padStart(7)} | ${Math.round(copyRate).toLocaleString("en").padStart(9)}`);
		console.log(`target >= ${TARGET_POINTS_PER_S.toLocaleString("en")} points/s: ${ingestRate >= TARGET_POINTS_PER_S ? "meets" : "misses"}; worker/COPY throughput ${(ingestRate / copyRate).toFixed(2)}`);

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
		await node.stop();
		await rm(dataDir, { recursive: true, force: true });
		await database.drop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
