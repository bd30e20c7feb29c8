import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { PRACTICE_METRIC_NAMES, type AnalysisResult } from "./analyser";
import { CURVE_SERIES, METRIC_UNITS } from "./metric-catalog";
import { encodeMetricCopy, METRIC_COPY_COLUMNS, type PointSeries } from "./metric-copy";

/** One analysed recording as it is written to `metrics`. */
export interface RecordingMetrics {
	videoId: string;
	sessionId: string;
	studentId: string;
	recordedAt: Date;
	analysis: Pick<AnalysisResult, "analyserVersion" | "metrics" | "curves">;
}

/** Column-wise points of one recording, sent as arrays so any length is one statement. */
interface MetricPoints {
	kinds: string[];
	keys: string[];
	values: (number | null)[];
	units: string[];
	offsetsMs: number[];
}

const HOUR_MS = 3_600_000;

function metricPointsOf(recording: RecordingMetrics): MetricPoints {
	const points: MetricPoints = { kinds: [], keys: [], values: [], units: [], offsetsMs: [] };
	for (const { kind, key, unit, values, offsetsMs } of metricSeriesOf(recording)) {
		for (let index = 0; index < offsetsMs.length; index++) {
			points.kinds.push(kind);
			points.keys.push(key);
			points.values.push(values[index] ?? null);
			points.units.push(unit);
			points.offsetsMs.push(offsetsMs[index]!);
		}
	}
	return points;
}

/** A recording's points as series of one kind, key and unit each: the shape binary COPY encodes. */
export function metricSeriesOf({ analysis }: RecordingMetrics): PointSeries[] {
	const summaries: PointSeries[] = PRACTICE_METRIC_NAMES.map((name) => ({
		kind: "summary",
		key: name,
		unit: METRIC_UNITS[name],
		values: [analysis.metrics[name]],
		offsetsMs: [0]
	}));
	const { tMs } = analysis.curves;
	const curves: PointSeries[] = CURVE_SERIES.map((series) => ({
		kind: "curve",
		key: series.metricKey,
		unit: series.unit,
		values: analysis.curves[series.column],
		offsetsMs: tMs
	}));
	return [...summaries, ...curves];
}

/**
 * How points reach `metrics`. `copy`: binary COPY straight into the month partitions (the
 * application role may insert there; PostgreSQL refuses COPY into the parent, which forces
 * row-level security). `insert`: one INSERT through the parent, for the embedded PGlite server,
 * whose socket does not speak the COPY sub-protocol.
 */
export type MetricWriteMode = { via: "copy"; partitions: ReadonlyMap<number, string> } | { via: "insert" };

function monthStart(time: Date): Date {
	return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1));
}

function nextMonth(month: Date): Date {
	return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
}

const partitionsByMonth = new WeakMap<Sequelize, Map<number, string>>();

/**
 * Makes sure the monthly partitions of `metrics` covering [from, to] exist and returns them by
 * month start. The application role cannot create tables: a SECURITY DEFINER function
 * (migrations/0004) does it with the owner's rights. A month whose rows already sit in the
 * default partition (written before its partition existed) keeps using the default one: moving
 * them would lock the table, and reads are correct either way.
 */
export async function ensureMonthPartitions(sequelize: Sequelize, from: Date, to: Date): Promise<Map<number, string>> {
	let known = partitionsByMonth.get(sequelize);
	if (!known) partitionsByMonth.set(sequelize, (known = new Map()));
	const covering = new Map<number, string>();
	for (let month = monthStart(from); month.getTime() <= to.getTime(); month = nextMonth(month)) {
		let partition = known.get(month.getTime());
		if (!partition) {
			const [row] = await sequelize.query<{ partition: string }>("SELECT etude_ensure_metrics_partition(:month)::text AS partition", {
				replacements: { month },
				type: QueryTypes.SELECT
			});
			partition = row!.partition;
			known.set(month.getTime(), partition);
		}
		covering.set(month.getTime(), partition);
	}
	return covering;
}

/** The time span a recording's points occupy, for partitions and partition pruning. */
export function recordingSpan(recordedAt: Date, durationMs: number): { from: Date; to: Date } {
	return { from: recordedAt, to: new Date(recordedAt.getTime() + Math.max(0, durationMs) + 1000) };
}

/** A statement of the caller's that belongs to the same transaction, sent in an existing round trip. */
export interface AccompanyingStatement {
	/** Returns no rows; `:name` replacements only (it travels in a multi-statement query). */
	sql: string;
	replacements: Record<string, unknown>;
}

/**
 * Replaces every point of one recording and recomputes the hourly rollups it touches, inside the
 * caller's transaction: a redelivered message rewrites the same rows instead of adding more.
 * Partitions must exist first (ensureMonthPartitions), outside the transaction. `alongside`
 * (the caller's own write, e.g. marking the analysis done) rides with the lock: one round trip
 * fewer per recording, and under load each round trip costs a scheduler wait on both sides.
 */
export async function replaceRecordingMetrics(
	sequelize: Sequelize,
	transaction: Transaction,
	recording: RecordingMetrics,
	mode: MetricWriteMode,
	alongside?: AccompanyingStatement
): Promise<void> {
	const { videoId, studentId, recordedAt } = recording;
	// Rollups are recomputed from the student's rows, so two recordings of one student in the same hour must not interleave.
	// The lock leads the round trip as a statement of its own: the DELETE after it then reads a snapshot taken once the
	// lock is held, so it sees the rows of a delivery of the same recording that committed while this one waited.
	const previous: Array<{ hourStart: Date | null }> = await sequelize.query(
		`SELECT NULL::timestamptz AS "hourStart" FROM pg_advisory_xact_lock(hashtextextended(:studentId, 0));
		 ${alongside ? `${alongside.sql};` : ""}
		 WITH removed AS (DELETE FROM metrics WHERE video_id = :videoId RETURNING ts, kind)
		 SELECT DISTINCT date_trunc('hour', ts, 'UTC') AS "hourStart" FROM removed WHERE kind = 'summary'`,
		{ replacements: { ...alongside?.replacements, studentId, videoId }, type: QueryTypes.SELECT, transaction }
	);
	if (mode.via === "copy") await copyRecordingMetrics(transaction, recording, mode.partitions);
	else await insertRecordingMetrics(sequelize, transaction, recording);
	const hours = new Set(previous.flatMap(({ hourStart }) => (hourStart ? [Math.floor(new Date(hourStart).getTime() / HOUR_MS) * HOUR_MS] : [])));
	hours.add(Math.floor(recordedAt.getTime() / HOUR_MS) * HOUR_MS);
	await refreshHourlyRollups(sequelize, transaction, studentId, [...hours].map((ms) => new Date(ms)));
}

/** The transaction's own connection: COPY has to run on it to be part of the transaction. */
function connectionOf(transaction: Transaction): pg.Client {
	return (transaction as unknown as { connection: pg.Client }).connection;
}

async function copyRecordingMetrics(transaction: Transaction, recording: RecordingMetrics, partitions: ReadonlyMap<number, string>): Promise<void> {
	const { videoId, sessionId, studentId, recordedAt, analysis } = recording;
	const copies = encodeMetricCopy({ videoId, sessionId, studentId, recordedAt, analyserVersion: analysis.analyserVersion }, metricSeriesOf(recording), partitions);
	const client = connectionOf(transaction);
	for (const [partition, rows] of copies) {
		// The partition's name is PostgreSQL's own quoted regclass text (etude_ensure_metrics_partition).
		await pipeline(Readable.from([rows]), client.query(copyFrom(`COPY ${partition} (${METRIC_COPY_COLUMNS.join(", ")}) FROM STDIN WITH (FORMAT binary)`)));
	}
}

async function insertRecordingMetrics(sequelize: Sequelize, transaction: Transaction, recording: RecordingMetrics): Promise<void> {
	const { videoId, sessionId, studentId, recordedAt, analysis } = recording;
	const points = metricPointsOf(recording);
	await sequelize.query(
		`INSERT INTO metrics (session_id, student_id, video_id, analyser_version, kind, metric_key, metric_val, unit, ts)
		 SELECT $1, $2, $3, $4, p.kind::metric_kind, p.key, p.val, p.unit, $5::timestamptz + p.offset_ms * interval '1 millisecond'
		 FROM unnest($6::text[], $7::text[], $8::float8[], $9::text[], $10::int[]) AS p(kind, key, val, unit, offset_ms)`,
		{
			bind: [sessionId, studentId, videoId, analysis.analyserVersion, recordedAt, points.kinds, points.keys, points.values, points.units, points.offsetsMs],
			transaction
		}
	);
}

/** Deletes every point and the analysis of the given videos, then recomputes the rollups they fed. */
export async function removeRecordingMetrics(sequelize: Sequelize, transaction: Transaction, studentId: string, videoIds: string[]): Promise<void> {
	await sequelize.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", { bind: [studentId], transaction });
	const previous: Array<{ hourStart: Date }> = await sequelize.query(
		`SELECT DISTINCT date_trunc('hour', ts, 'UTC') AS "hourStart" FROM metrics WHERE video_id = ANY($1::uuid[]) AND kind = 'summary'`,
		{ bind: [videoIds], type: QueryTypes.SELECT, transaction }
	);
	await sequelize.query("DELETE FROM metrics WHERE video_id = ANY($1::uuid[])", { bind: [videoIds], transaction });
	await sequelize.query("DELETE FROM metric_analyses WHERE video_id = ANY($1::uuid[])", { bind: [videoIds], transaction });
	await refreshHourlyRollups(sequelize, transaction, studentId, previous.map((row) => new Date(row.hourStart)));
}

/** One statement: the hours' rollups rewritten from the summary rows, and those of hours now without any removed. */
async function refreshHourlyRollups(sequelize: Sequelize, transaction: Transaction, studentId: string, hourStarts: Date[]): Promise<void> {
	if (hourStarts.length === 0) return;
	const times = hourStarts.map((hour) => hour.getTime());
	await sequelize.query(
		`WITH fresh AS (
		   SELECT student_id, date_trunc('hour', ts, 'UTC') AS hour_start, metric_key, count(*) AS recording_count, count(metric_val) AS value_count,
		          coalesce(sum(metric_val), 0) AS value_sum, min(metric_val) AS value_min, max(metric_val) AS value_max
		   FROM metrics
		   WHERE kind = 'summary' AND student_id = $1 AND date_trunc('hour', ts, 'UTC') = ANY($2::timestamptz[]) AND ts >= $3 AND ts < $4
		   GROUP BY 1, 2, 3
		 ), written AS (
		   INSERT INTO metric_rollups_hourly (student_id, hour_start, metric_key, recording_count, value_count, value_sum, value_min, value_max)
		   SELECT * FROM fresh
		   ON CONFLICT (student_id, hour_start, metric_key) DO UPDATE SET recording_count = EXCLUDED.recording_count, value_count = EXCLUDED.value_count,
		     value_sum = EXCLUDED.value_sum, value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max
		 )
		 DELETE FROM metric_rollups_hourly r
		 WHERE r.student_id = $1 AND r.hour_start = ANY($2::timestamptz[]) AND r.hour_start >= $3 AND r.hour_start < $4
		   AND NOT EXISTS (SELECT FROM fresh f WHERE f.hour_start = r.hour_start AND f.metric_key = r.metric_key)`,
		{ bind: [studentId, hourStarts, new Date(Math.min(...times)), new Date(Math.max(...times) + HOUR_MS)], transaction }
	);
}

/** Everything stored about a student, for account deletion. */
export async function removeStudentMetrics(sequelize: Sequelize, transaction: Transaction, studentId: string): Promise<void> {
	await sequelize.query(
		"DELETE FROM metrics WHERE video_id IN (SELECT video_id FROM metric_analyses WHERE student_id = $1)",
		{ bind: [studentId], transaction }
	);
	await sequelize.query("DELETE FROM metric_analyses WHERE student_id = $1", { bind: [studentId], transaction });
	await sequelize.query("DELETE FROM metric_rollups_hourly WHERE student_id = $1", { bind: [studentId], transaction });
}

/** Everything stored about a student as rows, by table, for an export. */
export async function studentMetricTables(sequelize: Sequelize, transaction: Transaction, studentId: string): Promise<Record<string, object[]>> {
	const select = (sql: string) => sequelize.query<object>(sql, { bind: [studentId], type: QueryTypes.SELECT, transaction });
	return {
		metric_analyses: await select("SELECT * FROM metric_analyses WHERE student_id = $1 ORDER BY recorded_at"),
		metrics: await select("SELECT * FROM metrics WHERE student_id = $1 ORDER BY video_id, kind, metric_key, ts"),
		metric_rollups_hourly: await select("SELECT * FROM metric_rollups_hourly WHERE student_id = $1 ORDER BY hour_start, metric_key")
	};
}
