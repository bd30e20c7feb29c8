import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { Errors, type Context, type Service, type ServiceSchema } from "moleculer";
import { DataTypes, QueryTypes, type Sequelize } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { NotFoundError, ValidationFailedError } from "../../lib/errors";
import type { NodeConfig } from "../../lib/node-config";
import { parseSensorFile, type SensorRecording } from "../../lib/sensor-file";
import type { ObjectStorage } from "../../lib/storage";
import { isValidTimezone } from "../../lib/timezones";
import { DbMixin } from "../../mixins/db.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import type { AudioReadyMessage } from "../media/media.service";
import { PRACTICE_METRIC_NAMES, analyseRecording, type AnalysisResult } from "./analyser";
import { MetricsNotReadyError } from "./errors";
import { CURVE_SERIES, type CurveName } from "./metric-catalog";
import { ensureMonthPartitions, recordingSpan, removeRecordingMetrics, removeStudentMetrics, replaceRecordingMetrics } from "./metric-store";
import { addDays, daysBetween, isCalendarDate, practiceStreakDays } from "./practice-days";

/** What is stored: the analyser's result, where `missing` may also name a sensor file we could not use. */
export type StoredAnalysis = Omit<AnalysisResult, "missing"> & { missing: Record<string, string> };

interface AnalysisRow {
	videoId: string;
	sessionId: string;
	studentId: string;
	status: "pending" | "done" | "failed";
	recordedAt: Date;
	analyserVersion: string | null;
	durationMs: number | null;
	missing: Record<string, string>;
	errorCode: string | null;
	errorMessage: string | null;
}

export interface SessionMetricsView {
	videoId: string;
	analyserVersion: string;
	recordedAt: string;
	durationMs: number;
	summary: Record<string, number | null>;
	missing: Record<string, string>;
	curves: Record<CurveName, Array<{ tMs: number; value: number | null }>>;
}

export interface MetricTrend {
	last7: number | null;
	previous7: number | null;
	delta: number | null;
}

export interface PracticeDashboard {
	from: string;
	to: string;
	timezone: string;
	minutesPerDay: Array<{ date: string; minutes: number }>;
	streakDays: number;
	byFocus: Array<{ focus: string; minutes: number; sessions: number }>;
	trends: Record<string, MetricTrend>;
	sessions: number;
}

interface DailyMinutes {
	date: string;
	focus: string;
	minutes: number;
	sessions: number;
}

type AnalyticsContext<P = Record<string, never>> = Context<P, EtudeMeta>;

const ANALYSIS_COLUMNS = `video_id AS "videoId", session_id AS "sessionId", student_id AS "studentId", status, recorded_at AS "recordedAt",
	analyser_version AS "analyserVersion", duration_ms AS "durationMs", missing, error_code AS "errorCode", error_message AS "errorMessage"`;
// A session may have several recordings: show the newest analysed one, else the newest attempt.
const LATEST_ANALYSIS_OF_SESSION = `SELECT ${ANALYSIS_COLUMNS} FROM metric_analyses WHERE session_id = $1
	ORDER BY status = 'done' DESC, recorded_at DESC, updated_at DESC LIMIT 1`;

const MAX_DASHBOARD_DAYS = 400;
/** Practice days fetched per step while a streak runs back past the window. */
const STREAK_WINDOW_DAYS = 120;
const TREND_WINDOW_DAYS = 7;

const audioReadyParams = {
	$$strict: "remove",
	videoId: { type: "uuid" },
	sessionId: { type: "uuid" },
	studentId: { type: "uuid" },
	audioKey: { type: "string", min: 1, max: 1024 },
	sensorsKey: { type: "string", min: 1, max: 1024, optional: true, nullable: true },
	durationMs: { type: "number", min: 0, optional: true },
	recordedAt: { type: "string", pattern: /^\d{4}-\d{2}-\d{2}T/ }
};

const calendarDate = { type: "string", pattern: /^\d{4}-\d{2}-\d{2}$/ };

function defineModels(sequelize: Sequelize) {
	const MetricAnalysis = sequelize.define(
		"MetricAnalysis",
		{
			videoId: { type: DataTypes.UUID, primaryKey: true },
			sessionId: { type: DataTypes.UUID, allowNull: false },
			studentId: { type: DataTypes.UUID, allowNull: false },
			status: { type: DataTypes.ENUM("pending", "done", "failed"), allowNull: false }
		},
		{ tableName: "metric_analyses" }
	);
	return { primary: MetricAnalysis };
}

function isClientError(error: unknown): error is Errors.MoleculerError {
	return error instanceof Errors.MoleculerError && error.code >= 400 && error.code < 500;
}

function summaryOf(rows: Array<{ metricKey: string; value: number | null }>): Record<string, number | null> {
	const stored = new Map(rows.map((row) => [row.metricKey, row.value]));
	return Object.fromEntries(PRACTICE_METRIC_NAMES.map((name) => [name, stored.get(name) ?? null]));
}

/**
 * Practice analytics: analyses each recording the media worker hands over (durable channel
 * `media.audio_ready`), stores metrics and 10 Hz curves as time series with hourly rollups, and
 * answers a session's metrics and a student's dashboard. Access to a session is whatever
 * `sessions.get` allows, so the rule lives in one place.
 */
export default function analyticsService(config: NodeConfig): ServiceSchema {
	return {
		name: "analytics",
		mixins: [DbMixin(defineModels), StorageMixin(config)],
		dependencies: ["auth", "sessions"],
		settings: { rest: "/" },

		actions: {
			sessionMetrics: {
				rest: "GET /sessions/:id/metrics",
				permissions: ["student", "teacher"],
				openapi: {
					summary: "A session's practice metrics and 10 Hz curves (loudness, pitch, deviation)",
					description: "404 ERR_METRICS_NOT_READY with `data.state` (not_received, pending, failed) until a recording is analysed."
				},
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: AnalyticsContext<{ id: string }>): Promise<SessionMetricsView> {
					// Throws the session's own 404 for anyone who may not read it.
					await ctx.call("sessions.get", { id: ctx.params.id }, { meta: ctx.meta });
					const [analysis]: AnalysisRow[] = await this.select(LATEST_ANALYSIS_OF_SESSION, [ctx.params.id]);
					if (!analysis) throw new MetricsNotReadyError("not_received");
					if (analysis.status !== "done") {
						const failure = analysis.status === "failed" ? { code: analysis.errorCode ?? "ERR_UNKNOWN", message: analysis.errorMessage ?? "" } : undefined;
						throw new MetricsNotReadyError(analysis.status, failure);
					}
					return this.metricsView(analysis);
				}
			},

			dashboard: {
				rest: "GET /analytics/dash",
				permissions: ["student", "teacher"],
				openapi: {
					summary: "Practice dashboard: minutes per local day, streak, time by focus and 7-day metric trends",
					description: "Students see their own; teachers pass a linked student's `studentId`."
				},
				params: {
					$$strict: true,
					from: calendarDate,
					to: calendarDate,
					tz: { type: "string", min: 1, max: 64 },
					studentId: { type: "uuid", optional: true }
				},
				async handler(ctx: AnalyticsContext<{ from: string; to: string; tz: string; studentId?: string }>): Promise<PracticeDashboard> {
					const { from, to, tz } = ctx.params;
					this.assertDashboardRange(from, to, tz);
					const studentId: string = await this.readableStudent(ctx);

					const [practiceDays, trends] = await Promise.all([
						this.practiceDaysForStreak(ctx, studentId, from, to, tz),
						this.metricTrends(studentId, to, tz)
					]);
					const inRange = practiceDays.filter((day: DailyMinutes) => day.date >= from && day.date <= to);
					const minutesByDate = new Map<string, number>();
					const byFocus = new Map<string, { focus: string; minutes: number; sessions: number }>();
					for (const day of inRange) {
						minutesByDate.set(day.date, (minutesByDate.get(day.date) ?? 0) + day.minutes);
						const focus = byFocus.get(day.focus) ?? { focus: day.focus, minutes: 0, sessions: 0 };
						focus.minutes += day.minutes;
						focus.sessions += day.sessions;
						byFocus.set(day.focus, focus);
					}
					return {
						from,
						to,
						timezone: tz,
						minutesPerDay: daysBetween(from, to).map((date) => ({ date, minutes: minutesByDate.get(date) ?? 0 })),
						streakDays: practiceStreakDays(new Set(practiceDays.map((day: DailyMinutes) => day.date)), to),
						byFocus: [...byFocus.values()].sort((a, b) => b.minutes - a.minutes || a.focus.localeCompare(b.focus)),
						trends,
						sessions: inRange.reduce((total: number, day: DailyMinutes) => total + day.sessions, 0)
					};
				}
			},

			/** For the sessions service: the newest analysed recording's summary per session. */
			summariesBySession: {
				visibility: "public",
				params: { sessionIds: { type: "array", items: "uuid", max: 500 } },
				async handler(ctx: Context<{ sessionIds: string[] }>): Promise<Record<string, { analyserVersion: string; metrics: Record<string, number | null> }>> {
					if (ctx.params.sessionIds.length === 0) return {};
					const rows: Array<{ sessionId: string; analyserVersion: string; metricKey: string; value: number | null }> = await this.select(
						`SELECT a.session_id AS "sessionId", a.analyser_version AS "analyserVersion", m.metric_key AS "metricKey", m.metric_val AS value
						 FROM (SELECT DISTINCT ON (session_id) session_id, video_id, analyser_version, recorded_at FROM metric_analyses
						       WHERE session_id = ANY($1::uuid[]) AND status = 'done' ORDER BY session_id, recorded_at DESC, updated_at DESC) a
						 JOIN metrics m ON m.video_id = a.video_id AND m.kind = 'summary' AND m.ts = a.recorded_at`,
						[ctx.params.sessionIds]
					);
					const bySession = new Map<string, typeof rows>();
					for (const row of rows) bySession.set(row.sessionId, [...(bySession.get(row.sessionId) ?? []), row]);
					return Object.fromEntries(
						[...bySession].map(([sessionId, sessionRows]) => [sessionId, { analyserVersion: sessionRows[0]!.analyserVersion, metrics: summaryOf(sessionRows) }])
					);
				}
			}
		},

		channels: {
			"media.audio_ready": {
				group: "analytics",
				async handler(this: Service, ctx: Context<AudioReadyMessage>) {
					const problems = this.checkAudioReady(ctx.params);
					if (problems !== true) {
						// Nothing to record it against and nothing a retry could fix.
						this.logger.error("Dropping a malformed media.audio_ready message", { problems, payload: ctx.params });
						return;
					}
					await this.analyseAndStore(ctx, ctx.params);
				}
			}
		},

		events: {
			async "sessions.deleted"(ctx: Context<{ sessionId: string; studentId: string }>) {
				const analyses: Array<{ videoId: string }> = await this.select(`SELECT video_id AS "videoId" FROM metric_analyses WHERE session_id = $1`, [ctx.params.sessionId]);
				if (analyses.length === 0) return;
				await (this.sequelize as Sequelize).transaction((transaction) =>
					removeRecordingMetrics(this.sequelize, transaction, ctx.params.studentId, analyses.map((row) => row.videoId))
				);
			},

			/** An account deletion takes the student's practice metrics with it. */
			async "auth.user.deleted"(ctx: Context<{ userId: string; role: string }>) {
				if (ctx.params.role !== "student") return;
				await (this.sequelize as Sequelize).transaction((transaction) => removeStudentMetrics(this.sequelize, transaction, ctx.params.userId));
			},

			/** The embedded default's in-process channel keeps nothing across restarts: re-send what was left unfinished. */
			async "$broker.started"() {
				if (config.transporter) return;
				const pending: Array<{ request: AudioReadyMessage }> = await this.select(
					"SELECT request FROM metric_analyses WHERE status = 'pending' ORDER BY created_at"
				);
				for (const { request } of pending) await this.broker.sendToChannel("media.audio_ready", request);
			}
		},

		methods: {
			async select<T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> {
				return (this.sequelize as Sequelize).query<T>(sql, { bind, type: QueryTypes.SELECT });
			},

			async analyseAndStore(ctx: Context<AudioReadyMessage>, job: AudioReadyMessage): Promise<void> {
				await this.recordPending(job);
				let analysis: StoredAnalysis;
				try {
					const { a4Hz }: { a4Hz: number } = await ctx.call("auth.tuningOf", { userId: job.studentId });
					analysis = await this.analyseStoredRecording(job, a4Hz);
				} catch (error) {
					if (!isClientError(error)) throw error;
					// The same input would fail the same way: record why and let the message go.
					this.logger.warn(`Recording ${job.videoId} could not be analysed: ${error.type} ${error.message}`);
					await this.recordFailure(job.videoId, error);
					ctx.emit("analytics.metrics_failed", { sessionId: job.sessionId, videoId: job.videoId, studentId: job.studentId, code: error.type });
					return;
				}

				await this.storeAnalysis(job, analysis);
				ctx.emit("analytics.metrics_ready", { sessionId: job.sessionId, videoId: job.videoId, studentId: job.studentId });
			},

			/** Points, rollups and the analysis row in one transaction; partitions are created before it. */
			async storeAnalysis(job: AudioReadyMessage, analysis: StoredAnalysis): Promise<void> {
				const recordedAt = new Date(job.recordedAt);
				const span = recordingSpan(recordedAt, analysis.durationMs);
				await ensureMonthPartitions(this.sequelize, span.from, span.to);
				await (this.sequelize as Sequelize).transaction(async (transaction) => {
					await replaceRecordingMetrics(this.sequelize, transaction, { ...job, recordedAt, analysis });
					await this.sequelize.query(
						`UPDATE metric_analyses SET status = 'done', analyser_version = $2, a4_hz = $3, duration_ms = $4, missing = $5,
						 error_code = NULL, error_message = NULL, updated_at = now() WHERE video_id = $1`,
						{ bind: [job.videoId, analysis.analyserVersion, analysis.a4Hz, Math.round(analysis.durationMs), JSON.stringify(analysis.missing)], transaction }
					);
				});
			},

			/** A finished analysis stays readable while a redelivered message is analysed again. */
			async recordPending(job: AudioReadyMessage): Promise<void> {
				await this.sequelize.query(
					`INSERT INTO metric_analyses (video_id, session_id, student_id, status, recorded_at, request)
					 VALUES ($1, $2, $3, 'pending', $4, $5)
					 ON CONFLICT (video_id) DO UPDATE SET session_id = EXCLUDED.session_id, student_id = EXCLUDED.student_id,
					   recorded_at = EXCLUDED.recorded_at, request = EXCLUDED.request, updated_at = now(),
					   status = CASE WHEN metric_analyses.status = 'done' THEN metric_analyses.status ELSE 'pending'::analysis_status END`,
					{ bind: [job.videoId, job.sessionId, job.studentId, new Date(job.recordedAt), JSON.stringify(job)] }
				);
			},

			async recordFailure(videoId: string, error: Errors.MoleculerError): Promise<void> {
				await this.sequelize.query(
					"UPDATE metric_analyses SET status = 'failed', error_code = $2, error_message = $3, updated_at = now() WHERE video_id = $1",
					{ bind: [videoId, error.type, error.message] }
				);
			},

			async analyseStoredRecording(job: AudioReadyMessage, a4Hz: number): Promise<StoredAnalysis> {
				const storage: ObjectStorage = this.storage;
				const directory = await mkdtemp(path.join(os.tmpdir(), "etude-analysis-"));
				try {
					const wavPath = path.join(directory, "audio.wav");
					await pipeline(await storage.get(job.audioKey), createWriteStream(wavPath));
					const sensors = job.sensorsKey ? await this.readSensors(job) : null;
					const analysis = await analyseRecording({ wavPath, sensors: sensors?.recording ?? null, a4Hz });
					return sensors?.problem ? { ...analysis, missing: { ...analysis.missing, bowStabilityRmsRadPerS: sensors.problem } } : analysis;
				} finally {
					await rm(directory, { recursive: true, force: true });
				}
			},

			/** A bad sensor file costs the bow metric only, never the audio metrics. */
			async readSensors(job: AudioReadyMessage): Promise<{ recording: SensorRecording | null; problem?: string }> {
				try {
					return { recording: parseSensorFile(await buffer(await (this.storage as ObjectStorage).get(job.sensorsKey!))) };
				} catch (error) {
					if (!isClientError(error)) throw error;
					this.logger.warn(`Sensor file of recording ${job.videoId} ignored: ${error.type} ${error.message}`);
					return { recording: null, problem: error.type === "ERR_SENSOR_FORMAT" ? "invalid_sensor_file" : "sensor_file_unreadable" };
				}
			},

			async metricsView(analysis: AnalysisRow): Promise<SessionMetricsView> {
				const durationMs = analysis.durationMs ?? 0;
				const span = recordingSpan(analysis.recordedAt, durationMs);
				const [summaryRows, curveRows]: [Array<{ metricKey: string; value: number | null }>, Array<{ metricKey: string; tMs: number; value: number | null }>] = await Promise.all([
					this.select(
						`SELECT metric_key AS "metricKey", metric_val AS value FROM metrics WHERE video_id = $1 AND kind = 'summary' AND ts = $2`,
						[analysis.videoId, analysis.recordedAt]
					),
					this.select(
						`SELECT metric_key AS "metricKey", round(extract(epoch FROM ts - $2::timestamptz) * 1000)::int AS "tMs", metric_val AS value
						 FROM metrics WHERE video_id = $1 AND kind = 'curve' AND ts >= $2 AND ts < $3 ORDER BY metric_key, ts`,
						[analysis.videoId, span.from, span.to]
					)
				]);
				const curves = Object.fromEntries(CURVE_SERIES.map((series) => [series.name, [] as Array<{ tMs: number; value: number | null }>]));
				const nameOfKey = new Map<string, string>(CURVE_SERIES.map((series) => [series.metricKey, series.name]));
				for (const row of curveRows) curves[nameOfKey.get(row.metricKey)!]!.push({ tMs: row.tMs, value: row.value });
				return {
					videoId: analysis.videoId,
					analyserVersion: analysis.analyserVersion!,
					recordedAt: analysis.recordedAt.toISOString(),
					durationMs,
					summary: summaryOf(summaryRows),
					missing: analysis.missing,
					curves: curves as SessionMetricsView["curves"]
				};
			},

			assertDashboardRange(from: string, to: string, timezone: string): void {
				const problems = [];
				if (!isCalendarDate(from)) problems.push({ field: "from", message: "must be a calendar date (YYYY-MM-DD)" });
				if (!isCalendarDate(to)) problems.push({ field: "to", message: "must be a calendar date (YYYY-MM-DD)" });
				if (!isValidTimezone(timezone)) problems.push({ field: "tz", message: "must be an IANA time zone such as Europe/Vienna" });
				if (problems.length === 0 && from > to) problems.push({ field: "from", message: "must not be after 'to'" });
				if (problems.length === 0 && daysBetween(from, to).length > MAX_DASHBOARD_DAYS) {
					problems.push({ field: "to", message: `a dashboard covers at most ${MAX_DASHBOARD_DAYS} days` });
				}
				if (problems.length > 0) throw new ValidationFailedError("The dashboard range is not valid", problems);
			},

			/** Students read their own dashboard; teachers a linked student's. Anyone else's is not found. */
			async readableStudent(ctx: AnalyticsContext<{ studentId?: string }>): Promise<string> {
				const user = ctx.meta.user!;
				const studentId = ctx.params.studentId ?? user.id;
				if (user.role === "student" && studentId === user.id) return studentId;
				if (user.role === "teacher") {
					const linked: string[] = await ctx.call("auth.linkedStudentIds", { teacherId: user.id });
					if (linked.includes(studentId)) return studentId;
				}
				throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");
			},

			/**
			 * Practice days from `from` (or far enough back for the streak) to `to`; a streak that
			 * reaches the start of what was fetched fetches the window before it.
			 */
			async practiceDaysForStreak(ctx: Context, studentId: string, from: string, to: string, timezone: string): Promise<DailyMinutes[]> {
				let windowStart = [from, addDays(to, -STREAK_WINDOW_DAYS + 1)].sort()[0]!;
				let days: DailyMinutes[] = await ctx.call("sessions.dailyMinutes", { studentId, from: windowStart, to, timezone });
				while (practiceStreakDays(new Set(days.map((day) => day.date)), to) >= daysBetween(windowStart, to).length - 1) {
					const windowEnd = addDays(windowStart, -1);
					windowStart = addDays(windowStart, -STREAK_WINDOW_DAYS);
					const earlier: DailyMinutes[] = await ctx.call("sessions.dailyMinutes", { studentId, from: windowStart, to: windowEnd, timezone });
					if (earlier.length === 0) break;
					days = [...earlier, ...days];
				}
				return days;
			},

			/** Mean of each summary metric over the 7 local days ending `to`, against the 7 before. */
			async metricTrends(studentId: string, to: string, timezone: string): Promise<Record<string, MetricTrend>> {
				const localMidnight = (offsetDays: number) => `(($2::date + ${offsetDays})::timestamp AT TIME ZONE $3)`;
				const lastWeek = `hour_start >= ${localMidnight(-TREND_WINDOW_DAYS + 1)}`;
				const rows: Array<{ metricKey: string; last7: number | null; previous7: number | null }> = await this.select(
					`SELECT metric_key AS "metricKey",
					   sum(value_sum) FILTER (WHERE ${lastWeek}) / NULLIF(sum(value_count) FILTER (WHERE ${lastWeek}), 0) AS last7,
					   sum(value_sum) FILTER (WHERE NOT ${lastWeek}) / NULLIF(sum(value_count) FILTER (WHERE NOT ${lastWeek}), 0) AS previous7
					 FROM metric_rollups_hourly
					 WHERE student_id = $1 AND hour_start >= ${localMidnight(-2 * TREND_WINDOW_DAYS + 1)} AND hour_start < ${localMidnight(1)}
					 GROUP BY metric_key`,
					[studentId, to, timezone]
				);
				const byKey = new Map(rows.map((row) => [row.metricKey, row]));
				return Object.fromEntries(
					PRACTICE_METRIC_NAMES.map((name) => {
						const last7 = byKey.get(name)?.last7 ?? null;
						const previous7 = byKey.get(name)?.previous7 ?? null;
						return [name, { last7, previous7, delta: last7 !== null && previous7 !== null ? last7 - previous7 : null }];
					})
				);
			},

			checkAudioReady(payload: unknown): true | unknown[] {
				this.audioReadyCheck ??= this.broker.validator!.compile(audioReadyParams);
				const result: true | unknown[] = this.audioReadyCheck(payload);
				if (result !== true) return result;
				return Number.isNaN(Date.parse((payload as AudioReadyMessage).recordedAt)) ? [{ field: "recordedAt", message: "not a date" }] : true;
			}
		}
	};
}
