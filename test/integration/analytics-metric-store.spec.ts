import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Sequelize, Transaction } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYSER_VERSION, PRACTICE_METRIC_NAMES, type AnalysisResult } from "../../services/analytics/analyser";
import type { StoredAnalysis } from "../../services/analytics/analytics.service";
import { ensureMonthPartitions, recordingSpan, replaceRecordingMetrics } from "../../services/analytics/metric-store";
import { audioReadyMessage } from "../../services/analytics/recording-fixtures";
import type { AudioReadyMessage } from "../../services/media/media.service";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * The worker writes points by binary COPY into the month partitions; the embedded database takes
 * the same points by INSERT through the parent. Both must store exactly the same rows.
 */
let api: TestApi;
let database: pg.Client;
let analytics: {
	sequelize: Sequelize;
	recordPending(job: AudioReadyMessage): Promise<number>;
	storeAnalysis(job: AudioReadyMessage, analysis: StoredAnalysis): Promise<void>;
	asSystem<T>(work: (transaction: Transaction) => Promise<T>): Promise<T>;
};

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	analytics = api.node.broker.getLocalService("analytics") as unknown as typeof analytics;
});
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

const DURATION_MS = 180_000;

/** Three minutes at 10 Hz with gaps, negative, tiny and huge values; some summaries missing. */
function analysis(seed: number): StoredAnalysis {
	const tMs = Array.from({ length: DURATION_MS / 100 }, (_, index) => index * 100);
	const curve = (scale: number) => tMs.map((t, index) => (index % 37 === 0 ? null : scale * Math.sin(seed + t / 997) * (index % 5 === 0 ? 1e-9 : 1)));
	const metrics = Object.fromEntries(PRACTICE_METRIC_NAMES.map((name, index) => [name, index % 4 === 0 ? null : seed * 1000.125 - index * 0.1]));
	return {
		analyserVersion: ANALYSER_VERSION,
		a4Hz: 440,
		durationMs: DURATION_MS,
		sampleRateHz: 22_050,
		channelCount: 1,
		metrics: metrics as AnalysisResult["metrics"],
		missing: {},
		curves: { periodMs: 100, tMs, loudnessDbfs: curve(-60), f0Hz: curve(1e6), deviationCents: curve(-49.5) }
	};
}

interface StoredPoint {
	sessionId: string;
	studentId: string;
	version: string;
	kind: string;
	key: string;
	value: number | null;
	unit: string;
	ts: string;
	partition: string;
}

async function storedPoints(videoId: string): Promise<StoredPoint[]> {
	const { rows } = await database.query<StoredPoint>(
		`SELECT session_id AS "sessionId", student_id AS "studentId", analyser_version AS version, kind::text AS kind, metric_key AS key,
		        metric_val AS value, unit, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS ts, tableoid::regclass::text AS partition
		 FROM metrics WHERE video_id = $1 ORDER BY kind, metric_key, ts`,
		[videoId]
	);
	return rows;
}

async function storeByInsert(job: AudioReadyMessage, stored: StoredAnalysis): Promise<void> {
	const recordedAt = new Date(job.recordedAt);
	const span = recordingSpan(recordedAt, stored.durationMs);
	await ensureMonthPartitions(analytics.sequelize, span.from, span.to);
	await analytics.asSystem((transaction) => replaceRecordingMetrics(analytics.sequelize, transaction, { ...job, recordedAt, analysis: stored }, { via: "insert" }));
}

describe("metric points stored by binary COPY", () => {
	it("are the rows an INSERT stores, split at the month boundary the take crosses", async () => {
		const studentId = randomUUID();
		const sessionId = randomUUID();
		// 90 s before midnight UTC on 31 January: the take ends in February.
		const recordedAt = "2027-01-31T23:58:30.250Z";
		const copied = audioReadyMessage({ sessionId, studentId, audioKey: "unused.wav", recordedAt, durationMs: DURATION_MS });
		const inserted = audioReadyMessage({ sessionId, studentId, audioKey: "unused.wav", recordedAt, durationMs: DURATION_MS });
		await analytics.recordPending(copied);
		await analytics.storeAnalysis(copied, analysis(3));
		await storeByInsert(inserted, analysis(3));

		const [viaCopy, viaInsert] = await Promise.all([storedPoints(copied.videoId), storedPoints(inserted.videoId)]);
		expect(viaCopy).toHaveLength(PRACTICE_METRIC_NAMES.length + 3 * (DURATION_MS / 100));
		expect(viaCopy).toEqual(viaInsert);
		expect(new Set(viaCopy.map((point) => point.partition))).toEqual(new Set(["metrics_y2027m01", "metrics_y2027m02"]));
		expect(viaCopy.find((point) => point.kind === "summary")).toMatchObject({ sessionId, studentId, version: ANALYSER_VERSION, ts: "2027-01-31T23:58:30.250000" });
		expect(viaCopy.filter((point) => point.value === null).length).toBeGreaterThan(PRACTICE_METRIC_NAMES.length / 4);
	});

	it("replace the recording's earlier rows on a redelivery, rollups included", async () => {
		const message = audioReadyMessage({ sessionId: randomUUID(), studentId: randomUUID(), audioKey: "unused.wav", recordedAt: "2027-03-10T08:15:00.000Z", durationMs: DURATION_MS });
		const rollups = () =>
			database.query("SELECT metric_key, recording_count, value_count, value_sum FROM metric_rollups_hourly WHERE student_id = $1 ORDER BY metric_key", [message.studentId]);
		await analytics.recordPending(message);
		await analytics.storeAnalysis(message, analysis(1));
		await analytics.recordPending(message);
		await analytics.storeAnalysis(message, analysis(2));

		const points = await storedPoints(message.videoId);
		expect(points).toHaveLength(PRACTICE_METRIC_NAMES.length + 3 * (DURATION_MS / 100));
		const metric = PRACTICE_METRIC_NAMES[1]!;
		expect(points.find((point) => point.key === metric)!.value).toBe(2 * 1000.125 - 0.1);
		const { rows } = await rollups();
		expect(rows.find((row) => row.metric_key === metric)).toMatchObject({ recording_count: 1, value_count: 1, value_sum: 2 * 1000.125 - 0.1 });
	});

	it("move a recording's rollups to its new hour when a redelivery names another start", async () => {
		const first = audioReadyMessage({ sessionId: randomUUID(), studentId: randomUUID(), audioKey: "unused.wav", recordedAt: "2027-03-11T08:15:00.000Z", durationMs: DURATION_MS });
		const moved = { ...first, recordedAt: "2027-03-11T10:45:00.000Z" };
		await analytics.recordPending(first);
		await analytics.storeAnalysis(first, analysis(1));
		await analytics.recordPending(moved);
		await analytics.storeAnalysis(moved, analysis(1));

		const { rows } = await database.query<{ hour: string; metrics: number }>(
			`SELECT to_char(hour_start AT TIME ZONE 'UTC', 'HH24:MI') AS hour, count(*)::int AS metrics FROM metric_rollups_hourly WHERE student_id = $1 GROUP BY 1`,
			[first.studentId]
		);
		expect(rows).toEqual([{ hour: "10:00", metrics: PRACTICE_METRIC_NAMES.length }]);
	});
});
