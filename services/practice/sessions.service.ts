import { randomUUID } from "node:crypto";
import { Errors, type Context, type ServiceSchema } from "moleculer";
import { DataTypes, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { ConflictError, EtudeClientError, NotFoundError, ValidationFailedError } from "../../lib/errors";
import { sqlArray } from "../../lib/db/sql-arrays";
import { isValidTimezone, localDaysSpan, studentBatchRule } from "../../lib/timezones";
import { DbMixin, type PersonActor } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { UPLOAD_PATH } from "../media/paths";
import { PRACTICE_FOCUSES, type CreatedPracticeSession, type PracticeFocus, type PracticeSession as PracticeSessionView, type SessionMetricsSummary as MetricsSummary, type Tag as TagSummary } from "../../contracts/practice";
import type { VideoView } from "../../contracts/media";

export { PRACTICE_FOCUSES, type PracticeFocus };

const MAX_SESSION_HOURS = 12;

interface SessionRow {
	id: string;
	studentId: string;
	focus: PracticeFocus;
	startedAt: Date;
	endedAt: Date;
	selfRating: number | null;
	note: string;
	createdAt: Date;
	updatedAt: Date;
	deletedAt: Date | null;
	tagIds: string[];
}

interface SessionFields {
	focus: PracticeFocus;
	startedAt: Date;
	endedAt: Date;
	selfRating?: number | null;
	note?: string;
	tagIds?: string[];
}

type SessionContext<P = Record<string, never>> = Context<P, EtudeMeta>;

/** A student and the local calendar days [from, to] wanted, in their zone. */
interface StudentWindow {
	studentId: string;
	timezone: string;
	from: string;
	to: string;
}

export interface StudentPracticeDay {
	studentId: string;
	date: string;
	focus: PracticeFocus;
	minutes: number;
	sessions: number;
}

/** Many students' practice (a roster): days in each one's window, when each last practised, and their streaks. */
export interface StudentsPractice {
	days: StudentPracticeDay[];
	lastPracticeAt: Record<string, string>;
	/** Consecutive practice days ending on the student's `to`, or on the day before when nothing is logged on `to` yet. */
	streakDays: Record<string, number>;
}

/** One student's row of the practice-days read (see practiceFromDays). */
interface PracticeSummaryRow {
	studentId: string;
	/** False when the student's days are not (yet) cut in the zone asked for: nothing else is read then. */
	ready: boolean;
	lastPracticeAt: Date | null;
	streakDays: number | null;
	days: Array<Omit<StudentPracticeDay, "studentId">> | null;
}

const calendarDate = { type: "string", pattern: /^\d{4}-\d{2}-\d{2}$/ };

const SESSION_FIELDS = `s.id, s.student_id AS "studentId", s.focus, s.start_ts AS "startedAt", s.end_ts AS "endedAt",
	s.self_rating AS "selfRating", s.note, s.created_at AS "createdAt", s.updated_at AS "updatedAt", s.deleted_at AS "deletedAt"`;
const SESSION_COLUMNS = `${SESSION_FIELDS},
	COALESCE((SELECT array_agg(st.tag_id ORDER BY st.tag_id) FROM session_tags st WHERE st.session_id = s.id), '{}') AS "tagIds"`;
const SESSION_BY_ID = `SELECT ${SESSION_COLUMNS} FROM practice_sessions s WHERE s.id = :id`;

/**
 * A create in one round trip (its RLS settings lead the same query, one implicit transaction): the
 * row, its tags, then the session as stored. The tags' policy must see the new session, so they are
 * a statement of their own rather than a CTE beside the insert (a CTE shares the insert's snapshot).
 * A row this transaction wrote has its id as `xmin`: that tells a new session from an existing one
 * with the same id (`created` false), and none comes back when row-level security hides the one
 * holding it (someone else's id).
 */
const CREATED_HERE = "COALESCE(s.xmin = pg_current_xact_id_if_assigned()::xid, false)";
const CREATE_SESSION = `INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts, self_rating, note)
	VALUES (:id, :studentId, :focus, :startedAt, :endedAt, :selfRating, :note) ON CONFLICT (id) DO NOTHING;
	INSERT INTO session_tags (session_id, tag_id) SELECT s.id, unnest(:tagIds::uuid[]) FROM practice_sessions s WHERE s.id = :id AND ${CREATED_HERE};
	SELECT ${SESSION_COLUMNS}, ${CREATED_HERE} AS created FROM practice_sessions s WHERE s.id = :id`;

function defineModels(sequelize: Sequelize) {
	const PracticeSession = sequelize.define(
		"PracticeSession",
		{
			id: { type: DataTypes.UUID, primaryKey: true },
			studentId: { type: DataTypes.UUID, allowNull: false },
			focus: { type: DataTypes.ENUM(...PRACTICE_FOCUSES), allowNull: false },
			startedAt: { type: DataTypes.DATE, allowNull: false, field: "start_ts" },
			endedAt: { type: DataTypes.DATE, allowNull: false, field: "end_ts" },
			selfRating: { type: DataTypes.SMALLINT },
			note: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
			deletedAt: { type: DataTypes.DATE }
		},
		{ tableName: "practice_sessions" }
	);
	// Kept by triggers on practice_sessions (migration 0017); the service only reads them, rebuilds them and purges them.
	const PracticeDayZone = sequelize.define(
		"PracticeDayZone",
		{
			studentId: { type: DataTypes.UUID, primaryKey: true },
			timezone: { type: DataTypes.TEXT, allowNull: false },
			lastStartedAt: { type: DataTypes.DATE },
			runEnd: { type: DataTypes.DATEONLY },
			runDays: { type: DataTypes.INTEGER, allowNull: false },
			builtAt: { type: DataTypes.DATE, allowNull: false }
		},
		{ tableName: "practice_day_zones", timestamps: false }
	);
	const PracticeDay = sequelize.define(
		"PracticeDay",
		{
			studentId: { type: DataTypes.UUID, primaryKey: true },
			localDate: { type: DataTypes.DATEONLY, primaryKey: true },
			focus: { type: DataTypes.ENUM(...PRACTICE_FOCUSES), primaryKey: true },
			practisedSeconds: { type: DataTypes.DECIMAL, allowNull: false },
			sessions: { type: DataTypes.INTEGER, allowNull: false },
			lastStartedAt: { type: DataTypes.DATE, allowNull: false }
		},
		{ tableName: "practice_days", timestamps: false }
	);
	return { primary: PracticeSession, practiceDayZone: PracticeDayZone, practiceDay: PracticeDay };
}

const sessionFieldParams = {
	focus: { type: "enum", values: PRACTICE_FOCUSES },
	startedAt: { type: "date", convert: true },
	endedAt: { type: "date", convert: true },
	selfRating: { type: "number", integer: true, min: 1, max: 5, optional: true, nullable: true },
	note: { type: "string", max: 4000, optional: true },
	tagIds: { type: "array", items: "uuid", unique: true, max: 20, optional: true }
};

function assertPlausibleTimes(startedAt: Date, endedAt: Date): void {
	const durationMs = endedAt.getTime() - startedAt.getTime();
	const problems = [];
	if (durationMs <= 0) problems.push({ field: "endedAt", message: "The session must end after it starts." });
	if (durationMs > MAX_SESSION_HOURS * 3_600_000) {
		problems.push({ field: "endedAt", message: `A session lasts at most ${MAX_SESSION_HOURS} hours.` });
	}
	// A little slack for phone clocks that run ahead.
	if (startedAt.getTime() > Date.now() + 10 * 60_000) problems.push({ field: "startedAt", message: "The session cannot start in the future." });
	if (problems.length > 0) throw new ValidationFailedError("The session times do not add up", problems);
}

function toView(
	row: SessionRow,
	tagsById: Map<string, TagSummary>,
	videos: Record<string, VideoView[]> | undefined,
	summaries: Record<string, MetricsSummary> | undefined
): PracticeSessionView {
	return {
		id: row.id,
		studentId: row.studentId,
		focus: row.focus,
		startedAt: row.startedAt.toISOString(),
		endedAt: row.endedAt.toISOString(),
		durationMinutes: Math.round((row.endedAt.getTime() - row.startedAt.getTime()) / 60_000),
		selfRating: row.selfRating,
		note: row.note,
		tags: row.tagIds.flatMap((id) => tagsById.get(id) ?? []).sort((a, b) => a.name.localeCompare(b.name)),
		videos: videos && (videos[row.id] ?? []),
		metrics: summaries && (summaries[row.id] ?? null),
		createdAt: row.createdAt.toISOString(),
		updatedAt: row.updatedAt.toISOString()
	};
}

/**
 * Practice sessions: what a student practised, when, and how it felt. Every query runs as
 * the caller under row-level security. Never call another service while a transaction is
 * open here: on the embedded database that call would wait behind the transaction.
 */
export default function sessionsService(): ServiceSchema {
	return {
		name: "sessions",
		mixins: [DbMixin(defineModels), PersonalDataMixin(), Outbox()],
		settings: { rest: "/" },

		actions: {
			create: {
				rest: "POST /sessions",
				permissions: ["student"],
				idempotentCreate: true,
				openapi: {
					summary: "Log a practice session",
					description: "Send a client-generated `id`: repeating the request returns the same session (200) instead of a duplicate."
				},
				params: { $$strict: true, id: { type: "uuid", optional: true }, ...sessionFieldParams },
				async handler(ctx: SessionContext<SessionFields & { id?: string }>): Promise<CreatedPracticeSession> {
					const student = ctx.meta.user!;
					const { id = randomUUID(), tagIds = [], ...fields } = ctx.params;
					assertPlausibleTimes(fields.startedAt, fields.endedAt);
					const tags: TagSummary[] = await ctx.call("tags.usableBy", { studentId: student.id, tagIds });

					const [row]: Array<SessionRow & { created: boolean }> = await this.queryAs(this.ownActor(ctx), CREATE_SESSION, {
						id,
						studentId: student.id,
						...fields,
						selfRating: fields.selfRating ?? null,
						note: fields.note ?? "",
						tagIds: sqlArray(tagIds)
					});

					if (!row) throw new ConflictError("This id belongs to another session", "ERR_ID_CONFLICT");
					if (row.deletedAt) throw new EtudeClientError("This session was deleted", 410, "ERR_SESSION_DELETED");
					const { created, ...session } = row;
					ctx.meta.$statusCode = created ? 201 : 200;
					if (created) ctx.meta.$location = `/api/sessions/${id}`;
					if (created) ctx.emit("sessions.created", { sessionId: id, studentId: student.id });
					// A session created just now has no recording yet, hence nothing analysed: no media or analytics call.
					const [view] = created
						? [toView(session, new Map(tags.map((tag) => [tag.id, tag])), {}, {})]
						: await this.viewsOf(ctx, [session]);
					// Where and how the app uploads this session's recording and sensor file (tus 1.0).
					return { ...view, uploads: { endpoint: UPLOAD_PATH, metadata: { sessionId: id, kinds: ["video", "sensors"] } } };
				}
			},

			list: {
				rest: "GET /sessions",
				permissions: ["student", "teacher"],
				openapi: { summary: "Practice sessions, newest first; teachers pass a linked student's id" },
				params: {
					$$strict: true,
					studentId: { type: "uuid", optional: true },
					from: { type: "date", convert: true, optional: true },
					to: { type: "date", convert: true, optional: true },
					focus: { type: "enum", values: PRACTICE_FOCUSES, optional: true },
					tagId: { type: "uuid", optional: true },
					limit: { type: "number", integer: true, convert: true, min: 1, max: 100, default: 20 },
					offset: { type: "number", integer: true, convert: true, min: 0, max: 100_000, default: 0 }
				},
				async handler(ctx: SessionContext<{ studentId?: string; from?: Date; to?: Date; focus?: PracticeFocus; tagId?: string; limit: number; offset: number }>) {
					const user = ctx.meta.user!;
					const actor: PersonActor = await this.actorOf(ctx);
					const studentId = ctx.params.studentId ?? user.id;
					if (studentId !== user.id && !actor.readableStudentIds.includes(studentId)) {
						throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");
					}
					const { from, to, focus, tagId, limit, offset } = ctx.params;
					const conditions = ["s.student_id = :studentId", "s.deleted_at IS NULL"];
					if (from) conditions.push("s.start_ts >= :from");
					if (to) conditions.push("s.start_ts < :to");
					if (focus) conditions.push("s.focus = :focus");
					if (tagId) conditions.push("EXISTS (SELECT 1 FROM session_tags f WHERE f.session_id = s.id AND f.tag_id = :tagId)");

					const rows: Array<SessionRow & { total: string }> = await this.queryAs(
						actor,
						`SELECT ${SESSION_COLUMNS}, count(*) OVER () AS total FROM practice_sessions s
						 WHERE ${conditions.join(" AND ")} ORDER BY s.start_ts DESC, s.id LIMIT :limit OFFSET :offset`,
						{ studentId, from, to, focus, tagId, limit, offset }
					);
					const total = rows.length > 0 ? Number(rows[0]!.total) : await this.countSessions(actor, studentId, conditions, ctx.params);
					return { items: await this.viewsOf(ctx, rows), total, limit, offset };
				}
			},

			get: {
				rest: "GET /sessions/:id",
				permissions: ["$owner", "$linkedTeacher"],
				needEntity: true,
				openapi: { summary: "One practice session" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: SessionContext<{ id: string }>): Promise<PracticeSessionView> {
					const row = ctx.locals.entity as SessionRow;
					return (await this.viewsOf(ctx, [row]))[0];
				}
			},

			update: {
				rest: "PATCH /sessions/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Correct a practice session" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					...Object.fromEntries(Object.entries(sessionFieldParams).map(([name, rule]) => [name, { ...rule, optional: true }]))
				},
				async handler(ctx: SessionContext<Partial<SessionFields> & { id: string }>): Promise<PracticeSessionView> {
					const current = ctx.locals.entity as SessionRow;
					const { id, tagIds, ...changes } = ctx.params;
					assertPlausibleTimes(changes.startedAt ?? current.startedAt, changes.endedAt ?? current.endedAt);
					if (tagIds) await ctx.call("tags.usableBy", { studentId: current.studentId, tagIds });
					const row: SessionRow = await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						await this.models.primary.update(changes, { where: { id, deletedAt: null }, transaction });
						if (tagIds) await this.replaceTags(id, tagIds, transaction);
						return this.loadSession(id, transaction);
					});
					return (await this.viewsOf(ctx, [row]))[0];
				}
			},

			remove: {
				rest: "DELETE /sessions/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Delete a practice session (its recordings are purged)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: SessionContext<{ id: string }>): Promise<void> {
					const actor = this.ownActor(ctx);
					// Recorded with the deletion: the session's recordings, metrics and feedback go only when it arrives.
					const announced = await this.transactionAs(actor, async (transaction: Transaction) => {
						await this.models.primary.update({ deletedAt: new Date() }, { where: { id: ctx.params.id, deletedAt: null }, transaction });
						return this.recordEvent(transaction, actor, "sessions.deleted", { sessionId: ctx.params.id, studentId: ctx.meta.user!.id });
					});
					await this.sendRecorded([announced]);
					ctx.meta.$statusCode = 204;
				}
			},

			attachTag: {
				rest: "PUT /sessions/:id/tags/:tagId",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Put a tag on a session" },
				params: { $$strict: true, id: { type: "uuid" }, tagId: { type: "uuid" } },
				async handler(ctx: SessionContext<{ id: string; tagId: string }>): Promise<PracticeSessionView> {
					const current = ctx.locals.entity as SessionRow;
					await ctx.call("tags.usableBy", { studentId: current.studentId, tagIds: [ctx.params.tagId], asEntity: true });
					return this.changeTags(ctx, [...new Set([...current.tagIds, ctx.params.tagId])]);
				}
			},

			detachTag: {
				rest: "DELETE /sessions/:id/tags/:tagId",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Take a tag off a session" },
				params: { $$strict: true, id: { type: "uuid" }, tagId: { type: "uuid" } },
				async handler(ctx: SessionContext<{ id: string; tagId: string }>): Promise<PracticeSessionView> {
					const current = ctx.locals.entity as SessionRow;
					return this.changeTags(ctx, current.tagIds.filter((id) => id !== ctx.params.tagId));
				}
			},

			/** Practice minutes per local calendar day and focus, for dashboards. */
			dailyMinutes: {
				visibility: "public",
				idempotent: true,
				params: {
					studentId: { type: "uuid" },
					from: calendarDate,
					to: calendarDate,
					timezone: { type: "string", min: 1, max: 64 }
				},
				async handler(ctx: Context<{ studentId: string; from: string; to: string; timezone: string }>) {
					const { studentId, ...window } = ctx.params;
					if (!isValidTimezone(window.timezone)) throw new ValidationFailedError("Unknown time zone", [{ field: "timezone", message: "must be an IANA time zone" }]);
					const rows: StudentPracticeDay[] = await this.practiceDaysOf([{ studentId, ...window }]);
					return rows.map(({ studentId: _student, ...day }) => day);
				}
			},

			/**
			 * Many students at once (a teacher's roster): practice minutes per local day and focus, each
			 * student in their own zone and window, when each last practised and their streak ending on
			 * `to`, in one statement over the days kept per student (migration 0017). Students whose days
			 * are not cut in the zone asked for (none kept yet, or the zone changed) have them rebuilt
			 * first, and are read again.
			 */
			practiceOfStudents: {
				visibility: "public",
				idempotent: true,
				params: { students: studentBatchRule({ from: calendarDate, to: calendarDate }) },
				async handler(ctx: Context<{ students: StudentWindow[] }>): Promise<StudentsPractice> {
					const { students } = ctx.params;
					const practice: StudentsPractice = { days: [], lastPracticeAt: {}, streakDays: {} };
					if (students.length === 0) return practice;
					// The caller decided who may see these figures; this is the service's own read.
					let rows: PracticeSummaryRow[] = await this.practiceFromDays(students);
					const stale = new Set(rows.filter((row) => !row.ready).map((row) => row.studentId));
					if (stale.size > 0) {
						const rebuilt = students.filter((student) => stale.has(student.studentId));
						await this.rebuildPracticeDays(rebuilt);
						rows = [...rows.filter((row) => row.ready), ...(await this.practiceFromDays(rebuilt))];
					}
					for (const { studentId, lastPracticeAt, streakDays, days } of rows) {
						if (lastPracticeAt) practice.lastPracticeAt[studentId] = lastPracticeAt.toISOString();
						practice.streakDays[studentId] = streakDays ?? 0;
						for (const day of days ?? []) practice.days.push({ studentId, ...day });
					}
					return practice;
				}
			}
		},

		methods: {
			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				return this.asSystem(async (transaction: Transaction) => {
					const sessions = await this.models.primary.findAll({ where: { studentId: userId }, order: [["startedAt", "ASC"]], raw: true, transaction });
					const sessionTags = await this.sequelize.query(
						"SELECT st.session_id AS \"sessionId\", st.tag_id AS \"tagId\" FROM session_tags st JOIN practice_sessions s ON s.id = st.session_id WHERE s.student_id = :userId",
						{ replacements: { userId }, type: QueryTypes.SELECT, transaction }
					);
					const { practiceDayZone, practiceDay } = this.models;
					// One after another: a transaction is one connection, which runs one query at a time anyway.
					const dayZones = await practiceDayZone.findAll({ where: { studentId: userId }, raw: true, transaction });
					const days = await practiceDay.findAll({ where: { studentId: userId }, raw: true, transaction });
					return { tables: { practice_sessions: sessions, session_tags: sessionTags, practice_day_zones: dayZones, practice_days: days } };
				});
			},

			/** Every session of the student, deleted ones included; their tags go with them, their days with their zone (ON DELETE CASCADE). */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				await this.asSystem(async (transaction: Transaction) => {
					await this.models.primary.destroy({ where: { studentId: userId }, transaction });
					await this.models.practiceDayZone.destroy({ where: { studentId: userId }, transaction });
				});
			},

			async findEntity(ctx: SessionContext<{ id: string }>): Promise<SessionRow> {
				const actor: PersonActor = await this.actorOf(ctx);
				ctx.locals.actor = actor;
				const [row]: SessionRow[] = await this.queryAs(actor, SESSION_BY_ID, { id: ctx.params.id });
				if (!row || row.deletedAt) throw new NotFoundError("Practice session", "ERR_SESSION_NOT_FOUND");
				return row;
			},

			isEntityOwner(ctx: SessionContext): boolean {
				return (ctx.locals.entity as SessionRow).studentId === ctx.meta.user!.id;
			},

			isLinkedTeacher(ctx: SessionContext): boolean {
				const actor = ctx.locals.actor as PersonActor;
				return ctx.meta.user!.role === "teacher" && actor.readableStudentIds.includes((ctx.locals.entity as SessionRow).studentId);
			},

			async loadSession(id: string, transaction: Transaction): Promise<SessionRow | null> {
				const [row] = await this.sequelize.query(SESSION_BY_ID, {
					replacements: { id },
					type: QueryTypes.SELECT,
					transaction
				});
				return (row as SessionRow | undefined) ?? null;
			},

			async replaceTags(sessionId: string, tagIds: string[], transaction: Transaction): Promise<void> {
				await this.sequelize.query("DELETE FROM session_tags WHERE session_id = :sessionId", { replacements: { sessionId }, transaction });
				if (tagIds.length === 0) return;
				await this.sequelize.query(
					"INSERT INTO session_tags (session_id, tag_id) SELECT :sessionId, unnest(:tagIds::uuid[])",
					{ replacements: { sessionId, tagIds: `{${tagIds.join(",")}}` }, transaction }
				);
			},

			async changeTags(ctx: SessionContext<{ id: string }>, tagIds: string[]): Promise<PracticeSessionView> {
				const row: SessionRow = await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
					await this.replaceTags(ctx.params.id, tagIds, transaction);
					await this.models.primary.update({ updatedAt: new Date() }, { where: { id: ctx.params.id }, transaction });
					return this.loadSession(ctx.params.id, transaction);
				});
				return (await this.viewsOf(ctx, [row]))[0];
			},

			async viewsOf(ctx: SessionContext, rows: SessionRow[]): Promise<PracticeSessionView[]> {
				if (rows.length === 0) return [];
				const sessionIds = rows.map((row) => row.id);
				const [tagsById, videos] = await Promise.all([
					this.tagsFor(ctx, rows),
					this.callIfReachable(ctx, "media.videosBySession", { sessionIds }) as Promise<Record<string, VideoView[]> | undefined>
				]);
				// Only a recording can have been analysed: sessions without one skip the analytics call.
				const recorded = videos ? sessionIds.filter((id) => videos[id]?.length) : sessionIds;
				const summaries: Record<string, MetricsSummary> | undefined =
					recorded.length > 0 ? await this.callIfReachable(ctx, "analytics.summariesBySession", { sessionIds: recorded }) : {};
				return rows.map((row) => toView(row, tagsById, videos, summaries));
			},

			/**
			 * Recordings and analysis enrich a session but must not take it down: while their
			 * services are unreachable the session is still served, without those fields.
			 */
			async callIfReachable<T>(ctx: SessionContext, action: string, params: object): Promise<T | undefined> {
				try {
					return await ctx.call<T, object>(action, params);
				} catch (error) {
					if (!(error instanceof Errors.ServiceNotFoundError || error instanceof Errors.ServiceNotAvailableError || error instanceof Errors.RequestTimeoutError)) throw error;
					this.logger.warn(`${action} is unreachable; serving sessions without it`);
					return undefined;
				}
			},

			async tagsFor(ctx: SessionContext, rows: SessionRow[]): Promise<Map<string, TagSummary>> {
				const ids = [...new Set(rows.flatMap((row) => row.tagIds))];
				if (ids.length === 0) return new Map();
				const tags: TagSummary[] = await ctx.call("tags.summaries", { ids });
				return new Map(tags.map((tag) => [tag.id, tag]));
			},

			/**
			 * Minutes per local day and focus; a session counts for the local day it started in. The
			 * lateral sub-select, grouped on its own, is one index range scan per student: as a plain join
			 * the planner cannot see how narrow each student's window is and reads the whole table.
			 */
			async practiceDaysOf(students: StudentWindow[]): Promise<StudentPracticeDay[]> {
				const spans = students.map((student) => localDaysSpan(student.from, student.to, student.timezone));
				return this.queryAsSystem(
					`SELECT w.student_id AS "studentId", d.date, d.focus, d.minutes, d.sessions
					 FROM unnest(:studentIds::uuid[], :timezones::text[], :froms::timestamptz[], :untils::timestamptz[]) AS w(student_id, timezone, from_ts, until_ts)
					 CROSS JOIN LATERAL (
					   SELECT to_char(s.start_ts AT TIME ZONE w.timezone, 'YYYY-MM-DD') AS date, s.focus,
					          round(sum(extract(epoch FROM s.end_ts - s.start_ts)) / 60)::int AS minutes, count(*)::int AS sessions
					   FROM practice_sessions s
					   WHERE s.student_id = w.student_id AND s.deleted_at IS NULL AND s.start_ts >= w.from_ts AND s.start_ts < w.until_ts
					   GROUP BY 1, 2) d
					 ORDER BY 1, 2, 3`,
					{
						studentIds: sqlArray(students.map((student) => student.studentId)),
						timezones: sqlArray(students.map((student) => student.timezone)),
						// Instants, not dates turned into instants in SQL: see startOfLocalDay.
						froms: sqlArray(spans.map((span) => span.from)),
						untils: sqlArray(spans.map((span) => span.until))
					}
				);
			},

			/**
			 * One statement over the kept days: each student's days in [from, to], their last practice and
			 * their streak ending on `to` (or the day before). The streak is the run kept beside the days
			 * when it ends on one of those two, none when it ended earlier; only for a `to` before the
			 * latest day practised (a look into the past) does it walk back, one index probe per day.
			 * Nothing is read for a student whose days are cut in another zone than the one asked for.
			 * Raw SQL: lateral and recursive reads. A date computed from a row (`day - 1`) is fenced off
			 * in its own sub-select (OFFSET 0): a non-leak-proof expression in a condition would be kept
			 * behind the row-level-security filter, turning each probe into a scan of every day.
			 */
			async practiceFromDays(students: StudentWindow[]): Promise<PracticeSummaryRow[]> {
				return this.queryAsSystem(
					`SELECT w.student_id AS "studentId", z.student_id IS NOT NULL AS ready, z.last_started_at AS "lastPracticeAt", d.days,
					   CASE WHEN z.run_end IS NULL THEN 0
					        WHEN z.run_end > w.to_date THEN (
					          WITH RECURSIVE run(day) AS (
					            SELECT start.day FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM practice_days p WHERE p.student_id = z.student_id AND p.local_date = w.to_date)
					                                                THEN w.to_date ELSE w.to_date - 1 END AS day OFFSET 0) start
					            WHERE EXISTS (SELECT 1 FROM practice_days p WHERE p.student_id = z.student_id AND p.local_date = start.day)
					            UNION ALL
					            SELECT earlier.day FROM run CROSS JOIN LATERAL (SELECT run.day - 1 AS day OFFSET 0) earlier
					            WHERE EXISTS (SELECT 1 FROM practice_days p WHERE p.student_id = z.student_id AND p.local_date = earlier.day)
					          ) SELECT count(*)::int FROM run)
					        WHEN z.run_end >= w.to_date - 1 THEN z.run_days
					        ELSE 0 END AS "streakDays"
					 FROM unnest(:studentIds::uuid[], :timezones::text[], :froms::date[], :tos::date[]) AS w(student_id, timezone, from_date, to_date)
					 LEFT JOIN practice_day_zones z ON z.student_id = w.student_id AND z.timezone = w.timezone
					 LEFT JOIN LATERAL (
					   SELECT json_agg(json_build_object('date', p.local_date, 'focus', p.focus, 'minutes', round(p.practised_seconds / 60)::int, 'sessions', p.sessions)
					                   ORDER BY p.local_date, p.focus) AS days
					   FROM practice_days p WHERE p.student_id = z.student_id AND p.local_date BETWEEN w.from_date AND w.to_date) d ON true`,
					{
						studentIds: sqlArray(students.map((student) => student.studentId)),
						timezones: sqlArray(students.map((student) => student.timezone)),
						froms: sqlArray(students.map((student) => student.from)),
						tos: sqlArray(students.map((student) => student.to))
					}
				);
			},

			/** Each student's days cut anew in their zone, from their sessions (migration 0017); in id order, as the triggers lock. */
			async rebuildPracticeDays(students: Array<{ studentId: string; timezone: string }>): Promise<void> {
				const ordered = [...students].sort((a, b) => (a.studentId < b.studentId ? -1 : 1));
				await this.queryAsSystem("SELECT FROM unnest(:studentIds::uuid[], :timezones::text[]) AS s(id, timezone), etude_rebuild_practice_days(s.id, s.timezone)", {
					studentIds: sqlArray(ordered.map((student) => student.studentId)),
					timezones: sqlArray(ordered.map((student) => student.timezone))
				});
			},

			async countSessions(actor: PersonActor, studentId: string, conditions: string[], params: Record<string, unknown>): Promise<number> {
				const [result]: Array<{ total: string }> = await this.queryAs(
					actor,
					`SELECT count(*) AS total FROM practice_sessions s WHERE ${conditions.join(" AND ")}`,
					{ ...params, studentId }
				);
				return Number(result!.total);
			}
		}
	};
}
