import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { Errors, type Context, type Service, type ServiceSchema } from "moleculer";
import { DataTypes, type Model, type ModelStatic, type Sequelize, type Transaction } from "sequelize";
import type { Dashboard as PracticeDashboard, MetricTrend, SessionMetrics as SessionMetricsView } from "../../contracts/analytics";
import type { EtudeMeta } from "../../lib/actor";
import { NotFoundError, ValidationFailedError } from "../../lib/errors";
import { DEAD_LETTER_CHANNEL, deadLetterOrigin } from "../../lib/channels";
import { publishDomainEvent, READS_KEPT_MESSAGES, type DomainEvent } from "../../lib/domain-events";
import type { NodeConfig } from "../../lib/node-config";
import { parseSensorFile, type SensorRecording } from "../../lib/sensor-file";
import type { ObjectStorage } from "../../lib/storage";
import { sqlArray } from "../../lib/db/sql-arrays";
import { isValidTimezone, startOfLocalDay, studentBatchRule } from "../../lib/timezones";
import { DbMixin, type PersonActor } from "../../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import type { AudioReadyMessage } from "../media/media.service";
import { PRACTICE_METRIC_NAMES, analyseRecording, type AnalysisResult, type PracticeMetricName } from "./analyser";
import { MetricsNotReadyError } from "./errors";
import { CURVE_SERIES, METRIC_UNITS, type CurveName } from "./metric-catalog";
import { ensureMonthPartitions, recordingSpan, removeRecordingMetrics, removeStudentMetrics, replaceRecordingMetrics, studentMetricTables, type MetricWriteMode } from "./metric-store";
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

export interface StudentOverview {
	latest: { videoId: string; sessionId: string; recordedAt: string; summary: Record<string, number | null> } | null;
	trends: Record<string, MetricTrend>;
}

export interface MetricAtMoment {
	key: string;
	value: number | null;
	unit: string;
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
const LATEST_ANALYSIS_OF_SESSION = `SELECT ${ANALYSIS_COLUMNS} FROM metric_analyses WHERE session_id = :sessionId
	ORDER BY status = 'done' DESC, recorded_at DESC, updated_at DESC LIMIT 1`;

const MAX_DASHBOARD_DAYS = 400;
/** A moment in a take matches the nearest 10 Hz curve point this close to it. */
const CURVE_MATCH_TOLERANCE_MS = 100;
/** Practice days fetched per step while a streak runs back past the window. */
const STREAK_WINDOW_DAYS = 120;
const TREND_WINDOW_DAYS = 7;
const MAX_RETRY_DELAY_MS = 30_000;

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
		mixins: [DbMixin(defineModels), StorageMixin(config), PersonalDataMixin()],
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
					const actor: PersonActor = await this.actorOf(ctx);
					const [analysis]: AnalysisRow[] = await this.queryAs(actor, LATEST_ANALYSIS_OF_SESSION, { sessionId: ctx.params.id });
					if (!analysis) throw new MetricsNotReadyError("not_received");
					if (analysis.status !== "done") {
						const failure = analysis.status === "failed" ? { code: analysis.errorCode ?? "ERR_UNKNOWN", message: analysis.errorMessage ?? "" } : undefined;
						throw new MetricsNotReadyError(analysis.status, failure);
					}
					return this.metricsView(actor, analysis);
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
					const actor: PersonActor = await this.actorOf(ctx);
					const studentId = ctx.params.studentId ?? actor.userId;
					if (studentId !== actor.userId && !actor.readableStudentIds.includes(studentId)) throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");

					const [practiceDays, trends] = await Promise.all([
						this.practiceDaysForStreak(ctx, studentId, from, to, tz),
						this.metricTrends(actor, studentId, to, tz)
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

			/** For operators (npm run requeue): analyses that exhausted their retries run again. */
			requeue: {
				visibility: "public",
				idempotent: true,
				params: { videoIds: { type: "array", items: "uuid", min: 1, max: 1000 } },
				async handler(ctx: Context<{ videoIds: string[] }>): Promise<{ requeued: string[] }> {
					const rows: Array<{ videoId: string; request: AudioReadyMessage }> = await this.queryAsSystem(
						`UPDATE metric_analyses SET status = 'pending', attempts = 0, error_code = NULL, error_message = NULL, updated_at = now()
						 WHERE video_id = ANY(:videoIds::uuid[]) AND status = 'failed' AND error_code = 'ERR_ANALYSIS_FAILED'
						 RETURNING video_id AS "videoId", request`,
						{ videoIds: `{${ctx.params.videoIds.join(",")}}` }
					);
					for (const { request } of rows) await this.broker.sendToChannel("media.audio_ready", request);
					return { requeued: rows.map((row) => row.videoId) };
				}
			},

			/** For the sessions service: the newest analysed recording's summary per session. */
			summariesBySession: {
				visibility: "public",
				idempotent: true,
				params: { sessionIds: { type: "array", items: "uuid", max: 500 } },
				async handler(ctx: Context<{ sessionIds: string[] }>): Promise<Record<string, { analyserVersion: string; metrics: Record<string, number | null> }>> {
					if (ctx.params.sessionIds.length === 0) return {};
					// The caller (the sessions service) decided who may read these sessions.
					const rows: Array<{ sessionId: string; analyserVersion: string; metricKey: string; value: number | null }> = await this.queryAsSystem(
						`SELECT a.session_id AS "sessionId", a.analyser_version AS "analyserVersion", m.metric_key AS "metricKey", m.metric_val AS value
						 FROM (SELECT DISTINCT ON (session_id) session_id, video_id, analyser_version, recorded_at FROM metric_analyses
						       WHERE session_id = ANY(:sessionIds::uuid[]) AND status = 'done' ORDER BY session_id, recorded_at DESC, updated_at DESC) a
						 JOIN metrics m ON m.video_id = a.video_id AND m.kind = 'summary' AND m.ts = a.recorded_at`,
						{ sessionIds: `{${ctx.params.sessionIds.join(",")}}` }
					);
					const bySession = new Map<string, typeof rows>();
					for (const row of rows) bySession.set(row.sessionId, [...(bySession.get(row.sessionId) ?? []), row]);
					return Object.fromEntries(
						[...bySession].map(([sessionId, sessionRows]) => [sessionId, { analyserVersion: sessionRows[0]!.analyserVersion, metrics: summaryOf(sessionRows) }])
					);
				}
			},

			/**
			 * Many students at once (a teacher's roster): each one's newest analysed recording with its
			 * summary, and each metric's mean over the 7 local days ending `today` against the 7 before,
			 * in the student's own zone. Two statements for the whole batch.
			 */
			overviewOfStudents: {
				visibility: "public",
				idempotent: true,
				params: {
					students: studentBatchRule({ today: calendarDate }),
					metrics: { type: "array", items: { type: "enum", values: PRACTICE_METRIC_NAMES }, min: 1 }
				},
				async handler(ctx: Context<{ students: Array<{ studentId: string; timezone: string; today: string }>; metrics: string[] }>): Promise<Record<string, StudentOverview>> {
					const { students, metrics } = ctx.params;
					if (students.length === 0) return {};
					const studentIds = sqlArray(students.map((student) => student.studentId));
					const metricKeys = sqlArray(metrics);
					// Each student's local day `offsetDays` from their today, as the instant it starts (see startOfLocalDay).
					const localDayStarts = (offsetDays: number) => sqlArray(students.map((student) => startOfLocalDay(addDays(student.today, offsetDays), student.timezone)));
					// The caller (the roster) decided who may see these students.
					const [latestRows, trendRows] = await Promise.all([
						this.queryAsSystem(
							// The summary is carried by the index (migration 0017): one index-only probe per student.
							`SELECT w.student_id AS "studentId", a.video_id AS "videoId", a.session_id AS "sessionId", a.recorded_at AS "recordedAt", a.summary
							 FROM unnest(:studentIds::uuid[]) AS w(student_id)
							 CROSS JOIN LATERAL (SELECT video_id, session_id, recorded_at, summary FROM metric_analyses
							                     WHERE student_id = w.student_id AND status = 'done' ORDER BY recorded_at DESC LIMIT 1) a`,
							{ studentIds }
						) as Promise<Array<{ studentId: string; videoId: string; sessionId: string; recordedAt: Date; summary: Record<string, number | null> | null }>>,
						this.queryAsSystem(
							// One index range scan per student and metric, one row per student: [last 7 days' mean, the 7 days' before].
							`SELECT b.student_id AS "studentId", json_object_agg(k.metric_key, json_build_array(t.last7, t.previous7)) AS trends
							 FROM unnest(:studentIds::uuid[], :previousFroms::timestamptz[], :lastFroms::timestamptz[], :untils::timestamptz[])
							   AS b(student_id, previous_from, last_from, until)
							 CROSS JOIN unnest(:metricKeys::text[]) AS k(metric_key)
							 CROSS JOIN LATERAL (
							   SELECT
							     sum(r.value_sum) FILTER (WHERE r.hour_start >= b.last_from) / NULLIF(sum(r.value_count) FILTER (WHERE r.hour_start >= b.last_from), 0) AS last7,
							     sum(r.value_sum) FILTER (WHERE r.hour_start < b.last_from) / NULLIF(sum(r.value_count) FILTER (WHERE r.hour_start < b.last_from), 0) AS previous7
							   FROM metric_rollups_hourly r
							   WHERE r.student_id = b.student_id AND r.metric_key = k.metric_key AND r.hour_start >= b.previous_from AND r.hour_start < b.until) t
							 GROUP BY b.student_id`,
							{
								studentIds,
								metricKeys,
								previousFroms: localDayStarts(1 - 2 * TREND_WINDOW_DAYS),
								lastFroms: localDayStarts(1 - TREND_WINDOW_DAYS),
								untils: localDayStarts(1)
							}
						) as Promise<Array<{ studentId: string; trends: Record<string, [number | null, number | null]> }>>
					]);
					const overview: Record<string, StudentOverview> = {};
					for (const { studentId } of students) overview[studentId] = { latest: null, trends: {} };
					for (const { studentId, recordedAt, summary, ...take } of latestRows) {
						overview[studentId]!.latest = {
							...take,
							recordedAt: recordedAt.toISOString(),
							summary: Object.fromEntries(metrics.map((name) => [name, summary?.[name] ?? null]))
						};
					}
					const trendsOf = new Map(trendRows.map((row) => [row.studentId, row.trends]));
					for (const { studentId } of students) {
						const trends = trendsOf.get(studentId);
						for (const name of metrics) {
							const [last7, previous7] = trends?.[name] ?? [null, null];
							overview[studentId]!.trends[name] = { last7, previous7, delta: last7 !== null && previous7 !== null ? last7 - previous7 : null };
						}
					}
					return overview;
				}
			},

			/**
			 * A take's measured value at a moment: the 10 Hz curve point nearest `tMs` (within 100 ms; null
			 * in a gap), or a summary metric of the whole take. `null` while the recording is not analysed.
			 */
			valueAt: {
				visibility: "public",
				idempotent: true,
				params: {
					videoId: "uuid",
					key: { type: "enum", values: [...CURVE_SERIES.map((series) => series.name), ...PRACTICE_METRIC_NAMES] },
					tMs: { type: "number", integer: true, min: 0 }
				},
				async handler(ctx: Context<{ videoId: string; key: string; tMs: number }>): Promise<MetricAtMoment | null> {
					const { videoId, key, tMs } = ctx.params;
					const curve = CURVE_SERIES.find((series) => series.name === key);
					const unit = curve ? curve.unit : METRIC_UNITS[key as PracticeMetricName];
					const kind = curve ? "curve" : "summary";
					// Summaries sit at the recording's start; curve points at their offset into it.
					const window = curve ? { fromMs: tMs - CURVE_MATCH_TOLERANCE_MS, toMs: tMs + CURVE_MATCH_TOLERANCE_MS } : { fromMs: 0, toMs: 0 };
					// The caller (the feedback service) decided who may read this recording.
					const [analysed]: Array<{ value: number | null }> = await this.queryAsSystem(
						`SELECT p.value FROM metric_analyses a
						 LEFT JOIN LATERAL (SELECT m.metric_val AS value FROM metrics m
						                    WHERE m.video_id = a.video_id AND m.kind = :kind::metric_kind AND m.metric_key = :metricKey
						                      AND m.ts BETWEEN a.recorded_at + :fromMs * interval '1 millisecond' AND a.recorded_at + :toMs * interval '1 millisecond'
						                    ORDER BY abs(extract(epoch FROM m.ts - a.recorded_at) * 1000 - :tMs) LIMIT 1) p ON true
						 WHERE a.video_id = :videoId AND a.status = 'done'`,
						{ videoId, kind, metricKey: curve ? curve.metricKey : key, tMs: curve ? tMs : 0, ...window }
					);
					return analysed ? { key, value: analysed.value ?? null, unit } : null;
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
			},
			// Deletions reach analytics durably: a node that was down when they happened catches up.
			"sessions.deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"sessions.deleted">>) {
					await this.removeAnalyses({ sessionId: ctx.params.sessionId }, ctx.params.studentId);
				}
			},
			"media.video_deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"media.video_deleted">>) {
					await this.removeAnalyses({ videoId: ctx.params.videoId }, ctx.params.studentId);
				}
			},
			// JetStream gave up on an analysis after its last delivery: it ends failed, not pending for ever.
			[DEAD_LETTER_CHANNEL]: {
				group: "analytics-dead-letters",
				deadLettering: { enabled: false },
				async handler(this: Service, ctx: Context<AudioReadyMessage>, raw: unknown) {
					if (deadLetterOrigin(this.broker, raw) !== "media.audio_ready" || this.checkAudioReady(ctx.params) !== true) return;
					await this.giveUpOn(ctx.params);
				}
			}
		},

		events: {
			/**
			 * The embedded default's in-process channel keeps nothing across restarts: re-send what was
			 * left unfinished, once the node is fully up (channels start after the services).
			 */
			async "$etude.ready"() {
				if (config.transporter) return;
				const pending: Array<{ request: AudioReadyMessage }> = await this.queryAsSystem(
					"SELECT request FROM metric_analyses WHERE status = 'pending' ORDER BY created_at"
				);
				for (const { request } of pending) await this.broker.sendToChannel("media.audio_ready", request);
			}
		},

		methods: {
			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				return this.asSystem(async (transaction: Transaction) => ({ tables: await studentMetricTables(this.sequelize, transaction, userId) }));
			},

			/** A student's points, curves, analyses and rollups. */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				await this.asSystem((transaction: Transaction) => removeStudentMetrics(this.sequelize, transaction, userId));
			},

			/** Points, analyses and their share of the rollups, for the recordings of a session or one recording. */
			async removeAnalyses(of: { sessionId: string } | { videoId: string }, studentId: string): Promise<void> {
				const { primary: MetricAnalysis } = this.models as { primary: ModelStatic<Model> };
				await this.asSystem(async (transaction: Transaction) => {
					const analyses = (await MetricAnalysis.findAll({ where: { ...of, studentId }, attributes: ["videoId"], raw: true, transaction })) as unknown as Array<{ videoId: string }>;
					if (analyses.length === 0) return;
					await removeRecordingMetrics(this.sequelize, transaction, studentId, analyses.map((row) => row.videoId));
				});
			},

			async analyseAndStore(ctx: Context<AudioReadyMessage>, job: AudioReadyMessage): Promise<void> {
				const attempts: number = await this.recordPending(job);
				// In-process there is no dead-letter queue: the attempts counted here end the retries.
				if (attempts > config.channelMaxDeliveries) {
					await this.giveUpOn(job);
					return;
				}
				let analysis: StoredAnalysis;
				try {
					const { a4Hz }: { a4Hz: number } = await ctx.call("auth.tuningOf", { userId: job.studentId });
					analysis = await this.analyseStoredRecording(job, a4Hz);
					await this.storeAnalysis(job, analysis);
				} catch (error) {
					if (isClientError(error)) {
						// The same input would fail the same way: record why and let the message go.
						this.logger.warn(`Recording ${job.videoId} could not be analysed: ${error.type} ${error.message}`);
						await this.recordFailure(job, error.type, error.message);
						return;
					}
					this.logger.warn(`Analysis of recording ${job.videoId} failed (attempt ${attempts}); it will be retried`, error);
					await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS)));
					// JetStream redelivers (and finally dead-letters); in-process we send it again ourselves.
					if (config.transporter) throw error;
					await this.broker.sendToChannel("media.audio_ready", job);
					return;
				}
				const outcome = { sessionId: job.sessionId, videoId: job.videoId, studentId: job.studentId };
				await publishDomainEvent(this.broker, "analytics.metrics_ready", outcome);
				ctx.emit("analytics.metrics_ready", outcome);
			},

			/** Every delivery of this job failed: the recording's analysis ends failed instead of pending for ever. */
			async giveUpOn(job: AudioReadyMessage): Promise<void> {
				const [analysis]: Array<{ status: string }> = await this.queryAsSystem("SELECT status FROM metric_analyses WHERE video_id = :videoId", { videoId: job.videoId });
				if (analysis?.status !== "pending") return;
				this.logger.warn(`Analysis of recording ${job.videoId} exhausted its ${config.channelMaxDeliveries} deliveries: marking it failed`);
				await this.recordFailure(job, "ERR_ANALYSIS_FAILED", "We could not analyse this recording; the team has been told.");
			},

			/** Points, rollups and the analysis row in one transaction; partitions are created before it. */
			async storeAnalysis(job: AudioReadyMessage, analysis: StoredAnalysis): Promise<void> {
				const recordedAt = new Date(job.recordedAt);
				const span = recordingSpan(recordedAt, analysis.durationMs);
				const partitions = await ensureMonthPartitions(this.sequelize, span.from, span.to);
				// No DATABASE_URL: the embedded PGlite server, which cannot take COPY.
				const mode: MetricWriteMode = config.databaseUrl ? { via: "copy", partitions } : { via: "insert" };
				const markDone = {
					// The summary also on the row (migration 0017): a roster reads each student's latest take from one index.
					sql: `UPDATE metric_analyses SET status = 'done', analyser_version = :analyserVersion, a4_hz = :a4Hz, duration_ms = :durationMs, missing = :missing,
					      summary = :summary, error_code = NULL, error_message = NULL, updated_at = now() WHERE video_id = :doneVideoId`,
					replacements: {
						doneVideoId: job.videoId,
						analyserVersion: analysis.analyserVersion,
						a4Hz: analysis.a4Hz,
						durationMs: Math.round(analysis.durationMs),
						missing: JSON.stringify(analysis.missing),
						summary: JSON.stringify(Object.fromEntries(PRACTICE_METRIC_NAMES.map((name) => [name, analysis.metrics[name] ?? null])))
					}
				};
				await this.asSystem((transaction: Transaction) => replaceRecordingMetrics(this.sequelize, transaction, { ...job, recordedAt, analysis }, mode, markDone));
			},

			/** A finished analysis stays readable while a redelivered message is analysed again. */
			/** Returns how many times this recording's analysis has been tried since it was last done. */
			async recordPending(job: AudioReadyMessage): Promise<number> {
				const [row]: Array<{ attempts: number }> = await this.queryAsSystem(
					`INSERT INTO metric_analyses (video_id, session_id, student_id, status, recorded_at, request, attempts)
					 VALUES (:videoId, :sessionId, :studentId, 'pending', :recordedAt, :request, 1)
					 ON CONFLICT (video_id) DO UPDATE SET session_id = EXCLUDED.session_id, student_id = EXCLUDED.student_id,
					   recorded_at = EXCLUDED.recorded_at, request = EXCLUDED.request, updated_at = now(),
					   attempts = CASE WHEN metric_analyses.status = 'done' THEN 1 ELSE metric_analyses.attempts + 1 END,
					   status = CASE WHEN metric_analyses.status = 'done' THEN metric_analyses.status ELSE 'pending'::analysis_status END
					 RETURNING attempts`,
					{ videoId: job.videoId, sessionId: job.sessionId, studentId: job.studentId, recordedAt: new Date(job.recordedAt), request: JSON.stringify(job) }
				);
				return row!.attempts;
			},

			async recordFailure(job: AudioReadyMessage, code: string, message: string): Promise<void> {
				await this.queryAsSystem(
					"UPDATE metric_analyses SET status = 'failed', error_code = :code, error_message = :message, updated_at = now() WHERE video_id = :videoId",
					{ videoId: job.videoId, code, message }
				);
				const outcome = { sessionId: job.sessionId, videoId: job.videoId, studentId: job.studentId, code };
				await publishDomainEvent(this.broker, "analytics.metrics_failed", outcome);
				this.broker.emit("analytics.metrics_failed", outcome);
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

			async metricsView(actor: PersonActor, analysis: AnalysisRow): Promise<SessionMetricsView> {
				const durationMs = analysis.durationMs ?? 0;
				const span = recordingSpan(analysis.recordedAt, durationMs);
				const [summaryRows, curveRows]: [Array<{ metricKey: string; value: number | null }>, Array<{ metricKey: string; tMs: number; value: number | null }>] = await Promise.all([
					this.queryAs(
						actor,
						`SELECT metric_key AS "metricKey", metric_val AS value FROM metrics WHERE video_id = :videoId AND kind = 'summary' AND ts = :recordedAt`,
						{ videoId: analysis.videoId, recordedAt: analysis.recordedAt }
					),
					this.queryAs(
						actor,
						`SELECT metric_key AS "metricKey", round(extract(epoch FROM ts - :from::timestamptz) * 1000)::int AS "tMs", metric_val AS value
						 FROM metrics WHERE video_id = :videoId AND kind = 'curve' AND ts >= :from AND ts < :to ORDER BY metric_key, ts`,
						{ videoId: analysis.videoId, from: span.from, to: span.to }
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
					curves: curves as Record<CurveName, Array<{ tMs: number; value: number | null }>>
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
			async metricTrends(actor: PersonActor, studentId: string, to: string, timezone: string): Promise<Record<string, MetricTrend>> {
				const localMidnight = (offsetDays: number) => `((:to::date + ${offsetDays})::timestamp AT TIME ZONE :timezone)`;
				const lastWeek = `hour_start >= ${localMidnight(-TREND_WINDOW_DAYS + 1)}`;
				const rows: Array<{ metricKey: string; last7: number | null; previous7: number | null }> = await this.queryAs(
					actor,
					`SELECT metric_key AS "metricKey",
					   sum(value_sum) FILTER (WHERE ${lastWeek}) / NULLIF(sum(value_count) FILTER (WHERE ${lastWeek}), 0) AS last7,
					   sum(value_sum) FILTER (WHERE NOT ${lastWeek}) / NULLIF(sum(value_count) FILTER (WHERE NOT ${lastWeek}), 0) AS previous7
					 FROM metric_rollups_hourly
					 WHERE student_id = :studentId AND hour_start >= ${localMidnight(-2 * TREND_WINDOW_DAYS + 1)} AND hour_start < ${localMidnight(1)}
					 GROUP BY metric_key`,
					{ studentId, to, timezone }
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
