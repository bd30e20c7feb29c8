import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { PRACTICE_METRIC_NAMES, type AnalysisResult } from "./analyser";
import { CURVE_SERIES, METRIC_UNITS } from "./metric-catalog";

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
const CHECK_VIOLATION = "23514";
const DUPLICATE_TABLE = "42P07";
// Any constant: it only serialises partition creation between workers.
const PARTITION_LOCK_KEY = 7_301_947;

export function metricPointsOf({ analysis }: RecordingMetrics): MetricPoints {
	const points: MetricPoints = { kinds: [], keys: [], values: [], units: [], offsetsMs: [] };
	for (const name of PRACTICE_METRIC_NAMES) {
		points.kinds.push("summary");
		points.keys.push(name);
		points.values.push(analysis.metrics[name]);
		points.units.push(METRIC_UNITS[name]);
		points.offsetsMs.push(0);
	}
	const { tMs } = analysis.curves;
	for (const series of CURVE_SERIES) {
		const values = analysis.curves[series.column];
		for (let index = 0; index < tMs.length; index++) {
			points.kinds.push("curve");
			points.keys.push(series.metricKey);
			points.values.push(values[index] ?? null);
			points.units.push(series.unit);
			points.offsetsMs.push(tMs[index]!);
		}
	}
	return points;
}

function monthStart(time: Date): Date {
	return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1));
}

function nextMonth(month: Date): Date {
	return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
}

const partitionedMonths = new WeakMap<Sequelize, Set<number>>();

/**
 * Creates the monthly partitions of `metrics` covering [from, to]. A month whose rows already sit
 * in the default partition (written before its partition existed) keeps using the default one:
 * moving them would lock the table, and reads are correct either way.
 */
export async function ensureMonthPartitions(sequelize: Sequelize, from: Date, to: Date): Promise<void> {
	let known = partitionedMonths.get(sequelize);
	if (!known) partitionedMonths.set(sequelize, (known = new Set()));
	for (let month = monthStart(from); month.getTime() <= to.getTime(); month = nextMonth(month)) {
		if (known.has(month.getTime())) continue;
		const name = `metrics_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
		try {
			await sequelize.transaction(async (transaction) => {
				await sequelize.query("SELECT pg_advisory_xact_lock(:key)", { replacements: { key: PARTITION_LOCK_KEY }, transaction });
				await sequelize.query(
					`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF metrics FOR VALUES FROM ('${month.toISOString()}') TO ('${nextMonth(month).toISOString()}')`,
					{ transaction }
				);
			});
		} catch (error) {
			const code = (error as { parent?: { code?: string } }).parent?.code;
			if (code !== CHECK_VIOLATION && code !== DUPLICATE_TABLE) throw error;
		}
		known.add(month.getTime());
	}
}

/** The time span a recording's points occupy, for partitions and partition pruning. */
export function recordingSpan(recordedAt: Date, durationMs: number): { from: Date; to: Date } {
	return { from: recordedAt, to: new Date(recordedAt.getTime() + Math.max(0, durationMs) + 1000) };
}

/**
 * Replaces every point of one recording and recomputes the hourly rollups it touches, inside the
 * caller's transaction: a redelivered message rewrites the same rows instead of adding more.
 * Partitions must exist first (ensureMonthPartitions), outside the transaction.
 */
export async function replaceRecordingMetrics(sequelize: Sequelize, transaction: Transaction, recording: RecordingMetrics): Promise<void> {
	const { videoId, sessionId, studentId, recordedAt, analysis } = recording;
	// Rollups are recomputed from the student's rows, so two recordings of one student in the same hour must not interleave.
	await sequelize.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", { bind: [studentId], transaction });
	const previous: Array<{ hourStart: Date }> = await sequelize.query(
		`SELECT DISTINCT date_trunc('hour', ts, 'UTC') AS "hourStart" FROM metrics WHERE video_id = $1 AND kind = 'summary'`,
		{ bind: [videoId], type: QueryTypes.SELECT, transaction }
	);
	await sequelize.query("DELETE FROM metrics WHERE video_id = $1", { bind: [videoId], transaction });
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
	const hours = new Set(previous.map((row) => Math.floor(new Date(row.hourStart).getTime() / HOUR_MS) * HOUR_MS));
	hours.add(Math.floor(recordedAt.getTime() / HOUR_MS) * HOUR_MS);
	await refreshHourlyRollups(sequelize, transaction, studentId, [...hours].map((ms) => new Date(ms)));
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

async function refreshHourlyRollups(sequelize: Sequelize, transaction: Transaction, studentId: string, hourStarts: Date[]): Promise<void> {
	if (hourStarts.length === 0) return;
	const times = hourStarts.map((hour) => hour.getTime());
	const bind = [studentId, hourStarts, new Date(Math.min(...times)), new Date(Math.max(...times) + HOUR_MS)];
	await sequelize.query("DELETE FROM metric_rollups_hourly WHERE student_id = $1 AND hour_start = ANY($2::timestamptz[]) AND hour_start >= $3 AND hour_start < $4", {
		bind,
		transaction
	});
	await sequelize.query(
		`INSERT INTO metric_rollups_hourly (student_id, hour_start, metric_key, recording_count, value_count, value_sum, value_min, value_max)
		 SELECT student_id, date_trunc('hour', ts, 'UTC'), metric_key, count(*), count(metric_val), coalesce(sum(metric_val), 0), min(metric_val), max(metric_val)
		 FROM metrics
		 WHERE kind = 'summary' AND student_id = $1 AND date_trunc('hour', ts, 'UTC') = ANY($2::timestamptz[]) AND ts >= $3 AND ts < $4
		 GROUP BY 1, 2, 3`,
		{ bind, transaction }
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
