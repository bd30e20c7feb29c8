import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { Op, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { Temporal } from "temporal-polyfill";
import type { FeedLink, FeedTokenStatus, LessonClash, Lesson as LessonView, LessonOccurrence as OccurrenceView } from "../../contracts/scheduling";
import type { EtudeMeta } from "../../lib/actor";
import type { DomainEvent, DomainEventPayloads } from "../../lib/domain-events";
import { EtudeClientError, NotFoundError, ValidationFailedError, type FieldProblem } from "../../lib/errors";
import type { NodeConfig } from "../../lib/node-config";
import { isValidTimezone } from "../../lib/timezones";
import { DbMixin, type PersonActor } from "../../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import type { PublicUser } from "../auth.service";
import { buildFeed, type FeedSeries } from "./feed";
import { defineSchedulingModels, findRow, findRows, type ExceptionRow, type SchedulingModels, type SeriesRow } from "./models";
import { findClash, occurrenceOf, occurrencesOf, type Occurrence, type SeriesWithExceptions } from "./occurrences";
import { lockForPlanning, replanLessonReminders, replanPracticeReminders, toException, withExceptions } from "./planning";
import {
	endRuleBefore,
	expandSeries,
	fromRrule,
	instantToLocal,
	isOccurrenceStart,
	LOCAL_DATE,
	LOCAL_DATE_TIME,
	localToInstantMs,
	occurrencesBefore,
	ruleCount,
	seriesSpan,
	startOfLocalDateMs,
	addLocalDays,
	toRrule,
	WEEKDAYS,
	type Recurrence,
	type SeriesTiming
} from "./recurrence";
import { DEFAULT_REMINDER_MINUTES, MAX_REMINDER_MINUTES } from "./reminder-plan";

type ScheduleContext<P = Record<string, never>> = Context<P, EtudeMeta>;

/** The host part of every feed UID: fixed, so a subscribed calendar never sees a series twice. */
const UID_DOMAIN = "lessons.etude";
/** Clashes are looked for this far ahead of a change (a weekly series has no end). */
const CLASH_WINDOW_MS = 366 * 86_400_000;
const MAX_RANGE_DAYS = 366;
const FEED_USE_RECORDED_EVERY_MS = 3_600_000;
const FEED_TOKEN = /^([A-Za-z0-9_-]{43})\.ics$/;

interface LessonFields {
	title: string;
	studentIds: string[];
	startLocal: string;
	timezone: string;
	durationMinutes: number;
	location: string;
	onlineUrl: string | null;
	notes: string;
	recurrence: Recurrence | null;
}

const recurrenceParam = {
	type: "object",
	strict: true,
	nullable: true,
	props: {
		frequency: { type: "enum", values: ["weekly", "monthly"] },
		interval: { type: "number", integer: true, min: 1, max: 52, default: 1 },
		weekdays: { type: "array", items: { type: "enum", values: WEEKDAYS }, unique: true, min: 1, max: 7, optional: true },
		weekdayOrdinal: { type: "enum", values: [1, 2, 3, 4, -1], optional: true },
		until: { type: "string", pattern: LOCAL_DATE, optional: true },
		count: { type: "number", integer: true, min: 1, max: 520, optional: true }
	}
};
const timezoneParam = {
	type: "custom",
	check: (value: unknown) => (typeof value === "string" && isValidTimezone(value) ? true : [{ type: "timezone", actual: value }]),
	messages: { timezone: "The '{field}' field must be an IANA time zone such as Europe/Vienna." }
};
const startLocalParam = { type: "string", pattern: LOCAL_DATE_TIME, messages: { stringPattern: "The '{field}' field must be a wall-clock time like 2026-10-01T16:00." } };
const lessonFieldParams = {
	title: { type: "string", trim: true, min: 1, max: 200 },
	studentIds: { type: "array", items: "uuid", unique: true, max: 30, default: [] },
	startLocal: startLocalParam,
	timezone: timezoneParam,
	durationMinutes: { type: "number", integer: true, min: 5, max: 720 },
	location: { type: "string", trim: true, max: 300, default: "" },
	onlineUrl: { type: "url", max: 1000, nullable: true, optional: true },
	notes: { type: "string", max: 4000, default: "" },
	recurrence: { ...recurrenceParam, optional: true },
	allowOverlap: { type: "boolean", optional: true }
};
const optionalLessonFieldParams = Object.fromEntries(
	Object.entries(lessonFieldParams).map(([name, rule]) => [name, Object.fromEntries([...Object.entries(rule), ["optional", true]].filter(([key]) => key !== "default"))])
);
const LESSON_FIELDS = ["title", "studentIds", "startLocal", "timezone", "durationMinutes", "location", "onlineUrl", "notes", "recurrence"] as const;

/** The lesson fields a request changes (PATCH and split take the same ones). */
function lessonChanges(params: Partial<LessonFields>): Partial<LessonFields> {
	return Object.fromEntries(LESSON_FIELDS.filter((field) => params[field] !== undefined).map((field) => [field, params[field]]));
}

/** What lesson_series stores of a lesson. */
function seriesColumns(lesson: LessonFields, timing: SeriesTiming) {
	const { title, location, onlineUrl, notes, startLocal, timezone, durationMinutes } = lesson;
	return { title, location, onlineUrl, notes, startLocal, timezone, durationMinutes, rrule: timing.rrule };
}
const occurrenceParams = { id: { type: "uuid" }, occurrenceStart: { type: "string", min: 1, max: 40 } };

function iso(ms: number): string {
	return new Date(ms).toISOString();
}

function isRealLocalDateTime(value: string): boolean {
	try {
		Temporal.PlainDateTime.from(value, { overflow: "reject" });
		return true;
	} catch {
		return false;
	}
}

/** Rules the validator cannot express: real dates, a recurrence that fits its first lesson. */
function assertConsistent(fields: LessonFields): void {
	const problems: FieldProblem[] = [];
	if (!isRealLocalDateTime(fields.startLocal)) problems.push({ field: "startLocal", message: "This date does not exist." });
	const recurrence = fields.recurrence;
	if (recurrence) {
		if (recurrence.until !== undefined && recurrence.count !== undefined) problems.push({ field: "recurrence.count", message: "Give an end date or a count, not both." });
		if (recurrence.frequency === "weekly" && recurrence.weekdayOrdinal !== undefined) problems.push({ field: "recurrence.weekdayOrdinal", message: "Only a monthly lesson has a weekday of the month." });
		if (recurrence.frequency === "monthly" && recurrence.weekdays !== undefined) problems.push({ field: "recurrence.weekdays", message: "A monthly lesson repeats on the weekday of its first lesson." });
		if (recurrence.frequency === "monthly" && recurrence.interval > 12) problems.push({ field: "recurrence.interval", message: "A monthly lesson repeats at most every 12 months." });
		if (recurrence.until !== undefined && !isRealLocalDateTime(`${recurrence.until}T00:00`)) problems.push({ field: "recurrence.until", message: "This date does not exist." });
		else if (recurrence.until !== undefined && recurrence.until < fields.startLocal.slice(0, 10)) problems.push({ field: "recurrence.until", message: "The series must end after its first lesson." });
	}
	if (problems.length === 0 && recurrence) {
		const timing = timingOf(fields);
		const firstMs = localToInstantMs(fields.startLocal, fields.timezone);
		if (!expandSeries(timing, firstMs, firstMs + 1).some((occurrence) => occurrence.originalStartMs === firstMs)) {
			problems.push({ field: "recurrence", message: "The first lesson must fall on one of the days the lesson repeats on." });
		}
	}
	if (problems.length > 0) throw new ValidationFailedError("The lesson's times do not add up", problems);
}

function timingOf(fields: Pick<LessonFields, "startLocal" | "timezone" | "durationMinutes" | "recurrence">): SeriesTiming {
	return {
		startLocal: fields.startLocal,
		timezone: fields.timezone,
		durationMinutes: fields.durationMinutes,
		rrule: fields.recurrence ? toRrule(fields.recurrence, fields.startLocal, fields.timezone) : null
	};
}

/** The time a series occupies, its moved occurrences included, for the candidate filter in SQL. */
function spanOf(timing: SeriesTiming, exceptions: ExceptionRow[] = []): { spanStart: Date; spanEnd: Date | null } {
	const span = seriesSpan(timing);
	let { startMs, endMs } = span;
	for (const exception of exceptions) {
		if (exception.status !== "moved") continue;
		const movedStart = localToInstantMs(exception.startLocal!, timing.timezone);
		const movedEnd = movedStart + (exception.durationMinutes ?? timing.durationMinutes) * 60_000;
		startMs = Math.min(startMs, movedStart);
		if (endMs !== null) endMs = Math.max(endMs, movedEnd);
	}
	return { spanStart: new Date(startMs), spanEnd: endMs === null ? null : new Date(endMs) };
}

function parseOccurrenceStart(value: string): number {
	const ms = Date.parse(value);
	if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new NotFoundError("Lesson occurrence", "ERR_OCCURRENCE_NOT_FOUND");
	return ms;
}

function lessonConflict(candidate: Occurrence, clash: Occurrence & { own: boolean; people: string[] }): EtudeClientError {
	const details: LessonClash = {
		occurrence: { start: iso(candidate.startMs), end: iso(candidate.endMs) },
		// Another teacher's lesson is shown by its times only.
		clash: { classId: clash.own ? clash.seriesId : null, occurrenceStart: clash.own ? iso(clash.originalStartMs) : null, start: iso(clash.startMs), end: iso(clash.endMs), people: clash.people }
	};
	return new EtudeClientError("This lesson overlaps another lesson of someone taking part", 409, "ERR_LESSON_CONFLICT", details);
}

export function hashFeedToken(token: string): string {
	return createHash("sha256").update(token).digest("hex");
}

/**
 * Lessons: recurring series with their exceptions, who takes part, reminder settings, clash
 * checks, the viewer's occurrences and the calendar feed. Every query runs under row-level
 * security as the caller, except the feed (the token is the caller) and the clash check's
 * times-only view of other lessons (migrations/0007). Reminders are planned in the transaction of
 * the change they depend on and published by `scheduling-reminders`.
 */
export default function schedulingService(config: NodeConfig): ServiceSchema {
	const feedBaseUrl = `${config.publicUrl.replace(/\/$/, "")}/api/schedule/feed`;

	return {
		name: "scheduling",
		mixins: [DbMixin(defineSchedulingModels), PersonalDataMixin()],
		settings: { rest: "/" },

		actions: {
			create: {
				rest: "POST /schedule/classes",
				permissions: ["teacher"],
				idempotentCreate: true,
				openapi: {
					summary: "Plan a lesson or a recurring series",
					description:
						"`startLocal` is the first lesson's wall-clock time in `timezone`; `recurrence` repeats it weekly (every N weeks, on given weekdays) or monthly (on the first lesson's weekday of the month) until a date or for a count. Overlapping another lesson of the teacher or of a student answers 409 `ERR_LESSON_CONFLICT` with the clash in `details`, unless `allowOverlap` is true."
				},
				params: { $$strict: true, id: { type: "uuid", optional: true }, ...lessonFieldParams },
				async handler(ctx: ScheduleContext<LessonFields & { id?: string; allowOverlap?: boolean }>): Promise<LessonView> {
					const { id = randomUUID(), allowOverlap = false, ...fields } = ctx.params;
					const lesson = { ...fields, onlineUrl: fields.onlineUrl ?? null, recurrence: fields.recurrence ?? null };
					assertConsistent(lesson);
					const actor: PersonActor = await this.actorOf(ctx);
					this.assertLinkedStudents(actor, lesson.studentIds);
					const timing = timingOf(lesson);
					const { LessonSeries, LessonParticipant, ReminderRule } = this.models as SchedulingModels;
					const created = await this.transactionAs(actor, async (transaction: Transaction) => {
						if (await LessonSeries.findByPk(id, { transaction })) return false;
						await lockForPlanning(this.sequelize, transaction, [id, ...this.peopleLocks(actor.userId, lesson.studentIds)]);
						await LessonSeries.create({ id, teacherId: actor.userId, ...seriesColumns(lesson, timing), ...spanOf(timing) }, { transaction });
						await LessonParticipant.bulkCreate(lesson.studentIds.map((studentId) => ({ seriesId: id, studentId, teacherId: actor.userId })), { transaction });
						await ReminderRule.bulkCreate(
							[actor.userId, ...lesson.studentIds].flatMap((userId) => DEFAULT_REMINDER_MINUTES.map((minutesBefore) => ({ seriesId: id, userId, minutesBefore }))),
							{ transaction }
						);
						if (!allowOverlap) await this.assertNoClash(transaction, { id, ...timing, exceptions: [] }, [actor.userId, ...lesson.studentIds]);
						await replanLessonReminders(this.models, transaction, id, Date.now());
						return true;
					});
					const view = await this.viewOf(ctx, id);
					if (!view) throw new EtudeClientError("This id belongs to another lesson", 409, "ERR_ID_CONFLICT");
					ctx.meta.$statusCode = created ? 201 : 200;
					if (created) ctx.meta.$location = `/api/schedule/classes/${id}`;
					return view;
				}
			},

			list: {
				rest: "GET /schedule/classes",
				permissions: ["teacher", "student"],
				openapi: { summary: "A teacher's lessons, or the lessons a student takes part in" },
				params: { $$strict: true },
				async handler(ctx: ScheduleContext): Promise<LessonView[]> {
					const { LessonSeries } = this.models as SchedulingModels;
					const rows: SeriesRow[] = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						findRows<SeriesRow>(LessonSeries, { order: [["spanStart", "ASC"], ["id", "ASC"]], transaction })
					);
					return this.viewsOf(ctx, rows);
				}
			},

			get: {
				rest: "GET /schedule/classes/:id",
				permissions: ["teacher", "student"],
				needEntity: true,
				openapi: { summary: "One lesson (series), for its teacher or a student in it" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ScheduleContext<{ id: string }>): Promise<LessonView> {
					return (await this.viewsOf(ctx, [ctx.locals.entity as SeriesRow]))[0];
				}
			},

			update: {
				rest: "PATCH /schedule/classes/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: {
					summary: "Change the whole series",
					description:
						"Changing its times bumps the feed's SEQUENCE; single-occurrence changes whose occurrence is no longer part of the series are dropped. Reminders are re-planned in the same transaction."
				},
				params: { $$strict: true, id: { type: "uuid" }, ...optionalLessonFieldParams },
				async handler(ctx: ScheduleContext<Partial<LessonFields> & { id: string; allowOverlap?: boolean }>): Promise<LessonView> {
					const current = ctx.locals.entity as SeriesRow;
					const { id, allowOverlap = false } = ctx.params;
					const changes = lessonChanges(ctx.params);
					const before = this.fieldsOf(current);
					const lesson: LessonFields = { ...before, ...changes, studentIds: changes.studentIds ?? (await this.participantIds(ctx, id)) };
					assertConsistent(lesson);
					const actor: PersonActor = await this.actorOf(ctx);
					this.assertLinkedStudents(actor, changes.studentIds ?? []);
					const timing = timingOf(lesson);
					const timesChanged = (["startLocal", "timezone", "durationMinutes"] as const).some((field) => lesson[field] !== before[field]) || timing.rrule !== current.rrule;
					const { LessonSeries, LessonException } = this.models as SchedulingModels;
					await this.transactionAs(actor, async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [id, ...this.peopleLocks(actor.userId, lesson.studentIds)]);
						const exceptions = await findRows<ExceptionRow>(LessonException, { where: { seriesId: id }, transaction });
						const kept = exceptions.filter((exception) => isOccurrenceStart(timing, exception.originalStart.getTime()));
						if (kept.length < exceptions.length) {
							await LessonException.destroy({ where: { seriesId: id, originalStart: { [Op.notIn]: kept.map((exception) => exception.originalStart) } }, transaction });
						}
						await LessonSeries.update(
							{ ...seriesColumns(lesson, timing), ...spanOf(timing, kept), sequence: current.sequence + (timesChanged ? 1 : 0) },
							{ where: { id }, transaction }
						);
						const previous = await this.replaceParticipants(transaction, current, lesson.studentIds);
						// New times, or new students whose other lessons may clash.
						if (!allowOverlap && (timesChanged || lesson.studentIds.some((studentId) => !previous.includes(studentId)))) {
							await this.assertNoClash(transaction, withExceptions({ ...current, ...timing }, kept), [actor.userId, ...lesson.studentIds]);
						}
						await replanLessonReminders(this.models, transaction, id, Date.now());
						if (timesChanged) {
							const next = occurrencesOf(withExceptions({ ...current, ...timing }, kept), Date.now(), Date.now() + CLASH_WINDOW_MS)[0];
							await this.noteChange(transaction, current, { occurrenceStart: null, change: "moved", startsAt: next ? iso(next.startMs) : null }, lesson.studentIds);
						}
						const removed = previous.filter((studentId: string) => !lesson.studentIds.includes(studentId));
						await this.noteChange(transaction, current, { occurrenceStart: null, change: "cancelled", startsAt: null }, removed);
					});
					return (await this.viewOf(ctx, id))!;
				}
			},

			remove: {
				rest: "DELETE /schedule/classes/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Cancel the whole series; it leaves the feed and its reminders are dropped" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ScheduleContext<{ id: string }>): Promise<void> {
					const series = ctx.locals.entity as SeriesRow;
					const studentIds = await this.participantIds(ctx, series.id);
					await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [series.id]);
						await this.noteChange(transaction, series, { occurrenceStart: null, change: "cancelled", startsAt: null }, studentIds);
						await (this.models as SchedulingModels).LessonSeries.destroy({ where: { id: series.id }, transaction });
					});
					ctx.meta.$statusCode = 204;
				}
			},

			changeOccurrence: {
				rest: "PUT /schedule/classes/:id/occurrences/:occurrenceStart",
				permissions: ["$owner"],
				needEntity: true,
				openapi: {
					summary: "Cancel or move one occurrence",
					description:
						"`occurrenceStart` is the occurrence's planned start (ISO, as `GET /api/schedule/occurrences` gives it). Body `{ status: \"cancelled\" }` or `{ status: \"moved\", startLocal, durationMinutes?, allowOverlap? }` (wall clock in the lesson's zone). Its reminders are re-planned or dropped in the same transaction."
				},
				params: {
					$$strict: true,
					...occurrenceParams,
					status: { type: "enum", values: ["cancelled", "moved"], optional: true },
					startLocal: { ...startLocalParam, optional: true },
					durationMinutes: { type: "number", integer: true, min: 5, max: 720, optional: true },
					allowOverlap: { type: "boolean", optional: true }
				},
				async handler(
					ctx: ScheduleContext<{ id: string; occurrenceStart: string; status?: "cancelled" | "moved"; startLocal?: string; durationMinutes?: number; allowOverlap?: boolean }>
				): Promise<OccurrenceView> {
					const series = ctx.locals.entity as SeriesRow;
					const originalStartMs = this.requireOccurrence(series, ctx.params.occurrenceStart);
					const { status, startLocal, durationMinutes, allowOverlap = false } = ctx.params;
					if (!status) throw new ValidationFailedError("Say what happens to the occurrence", [{ field: "status", message: "Either cancelled or moved." }]);
					if (status === "moved" && !startLocal) throw new ValidationFailedError("A moved lesson needs its new time", [{ field: "startLocal", message: "The new wall-clock start in the lesson's zone." }]);
					if (startLocal && !isRealLocalDateTime(startLocal)) throw new ValidationFailedError("This date does not exist", [{ field: "startLocal", message: "This date does not exist." }]);
					const actor: PersonActor = await this.actorOf(ctx);
					const studentIds = await this.participantIds(ctx, series.id);
					const { LessonSeries, LessonException } = this.models as SchedulingModels;
					await this.transactionAs(actor, async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [series.id, ...this.peopleLocks(series.teacherId, studentIds)]);
						const existing = await findRow<ExceptionRow>(LessonException, { where: { seriesId: series.id, originalStart: new Date(originalStartMs) }, transaction });
						const exception: ExceptionRow = {
							seriesId: series.id,
							originalStart: new Date(originalStartMs),
							status,
							startLocal: status === "moved" ? startLocal! : null,
							durationMinutes: status === "moved" ? (durationMinutes ?? null) : null,
							sequence: (existing?.sequence ?? 0) + 1
						};
						await LessonException.upsert({ ...exception }, { transaction });
						const exceptions = await findRows<ExceptionRow>(LessonException, { where: { seriesId: series.id }, transaction });
						await LessonSeries.update({ ...spanOf(series, exceptions), updatedAt: new Date() }, { where: { id: series.id }, transaction });
						const state = withExceptions(series, exceptions);
						if (status === "moved" && !allowOverlap) {
							await this.assertNoClash(transaction, state, [series.teacherId, ...studentIds], [occurrenceOf(state, originalStartMs)!]);
						}
						await replanLessonReminders(this.models, transaction, series.id, Date.now());
						const movedStart = status === "moved" ? localToInstantMs(startLocal!, series.timezone) : null;
						await this.noteChange(transaction, series, { occurrenceStart: iso(originalStartMs), change: status, startsAt: movedStart === null ? null : iso(movedStart) }, studentIds);
					});
					return this.occurrenceViewOf(ctx, series.id, originalStartMs);
				}
			},

			restoreOccurrence: {
				rest: "DELETE /schedule/classes/:id/occurrences/:occurrenceStart",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Undo a cancellation or a move: the occurrence is back at its planned time" },
				params: { $$strict: true, ...occurrenceParams, allowOverlap: { type: "boolean", convert: true, optional: true } },
				async handler(ctx: ScheduleContext<{ id: string; occurrenceStart: string; allowOverlap?: boolean }>): Promise<OccurrenceView> {
					const series = ctx.locals.entity as SeriesRow;
					const originalStartMs = this.requireOccurrence(series, ctx.params.occurrenceStart);
					const actor: PersonActor = await this.actorOf(ctx);
					const studentIds = await this.participantIds(ctx, series.id);
					const { LessonSeries, LessonException } = this.models as SchedulingModels;
					await this.transactionAs(actor, async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [series.id, ...this.peopleLocks(series.teacherId, studentIds)]);
						const removed = await LessonException.destroy({ where: { seriesId: series.id, originalStart: new Date(originalStartMs) }, transaction });
						if (removed === 0) return;
						const exceptions = await findRows<ExceptionRow>(LessonException, { where: { seriesId: series.id }, transaction });
						await LessonSeries.update({ ...spanOf(series, exceptions), updatedAt: new Date() }, { where: { id: series.id }, transaction });
						const state = withExceptions(series, exceptions);
						if (!ctx.params.allowOverlap) {
							await this.assertNoClash(transaction, state, [series.teacherId, ...studentIds], [occurrenceOf(state, originalStartMs)!]);
						}
						await replanLessonReminders(this.models, transaction, series.id, Date.now());
						await this.noteChange(transaction, series, { occurrenceStart: iso(originalStartMs), change: "moved", startsAt: iso(originalStartMs) }, studentIds);
					});
					return this.occurrenceViewOf(ctx, series.id, originalStartMs);
				}
			},

			split: {
				rest: "POST /schedule/classes/:id/occurrences/:occurrenceStart/split",
				permissions: ["$owner"],
				needEntity: true,
				openapi: {
					summary: "Change this and the following occurrences",
					description:
						"The series ends before this occurrence (UNTIL) and a new series, with a new feed UID, starts with it, taking the changes given (the same fields as PATCH). Later single-occurrence changes move to the new series when they still fit it. Answers the new series (201)."
				},
				params: { $$strict: true, ...occurrenceParams, ...optionalLessonFieldParams },
				async handler(ctx: ScheduleContext<Partial<LessonFields> & { id: string; occurrenceStart: string; allowOverlap?: boolean }>): Promise<LessonView> {
					const series = ctx.locals.entity as SeriesRow;
					const splitMs = this.requireOccurrence(series, ctx.params.occurrenceStart);
					if (!series.rrule) throw new ValidationFailedError("A single lesson has no following occurrences", [{ field: "occurrenceStart", message: "Change the lesson itself instead." }]);
					const { allowOverlap = false } = ctx.params;
					const changes = lessonChanges(ctx.params);
					const before = this.fieldsOf(series);
					const remaining = ruleCount(series.rrule);
					const continued = remaining === undefined ? before.recurrence : { ...before.recurrence!, count: remaining - occurrencesBefore(series, splitMs) };
					const lesson: LessonFields = {
						...before,
						startLocal: instantToLocal(splitMs, series.timezone),
						recurrence: continued,
						...changes,
						studentIds: changes.studentIds ?? (await this.participantIds(ctx, series.id))
					};
					assertConsistent(lesson);
					const actor: PersonActor = await this.actorOf(ctx);
					this.assertLinkedStudents(actor, changes.studentIds ?? []);
					const timing = timingOf(lesson);
					const newId = randomUUID();
					const { LessonSeries, LessonParticipant, LessonException, ReminderRule } = this.models as SchedulingModels;
					await this.transactionAs(actor, async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [series.id, newId, ...this.peopleLocks(actor.userId, lesson.studentIds)]);
						const exceptions = await findRows<ExceptionRow>(LessonException, { where: { seriesId: series.id }, transaction });
						const earlier = exceptions.filter((exception) => exception.originalStart.getTime() < splitMs);
						const later = exceptions.filter((exception) => exception.originalStart.getTime() >= splitMs && isOccurrenceStart(timing, exception.originalStart.getTime()));
						const endedTiming = { ...series, rrule: endRuleBefore(series.rrule!, splitMs) };
						await LessonException.destroy({ where: { seriesId: series.id, originalStart: { [Op.gte]: new Date(splitMs) } }, transaction });
						await LessonSeries.update({ rrule: endedTiming.rrule, ...spanOf(endedTiming, earlier), sequence: series.sequence + 1 }, { where: { id: series.id }, transaction });
						await LessonSeries.create({ id: newId, teacherId: actor.userId, ...seriesColumns(lesson, timing), ...spanOf(timing, later), splitFromId: series.id }, { transaction });
						await LessonException.bulkCreate(later.map((exception) => ({ ...exception, seriesId: newId })), { transaction });
						await LessonParticipant.bulkCreate(lesson.studentIds.map((studentId) => ({ seriesId: newId, studentId, teacherId: actor.userId })), { transaction });
						const rules = await findRows<{ userId: string; minutesBefore: number }>(ReminderRule, { where: { seriesId: series.id }, transaction });
						const keptRules = rules.filter((rule) => rule.userId === actor.userId || lesson.studentIds.includes(rule.userId));
						const newcomers = lesson.studentIds.filter((studentId) => !rules.some((rule) => rule.userId === studentId));
						await ReminderRule.bulkCreate(
							[...keptRules, ...newcomers.flatMap((userId) => DEFAULT_REMINDER_MINUTES.map((minutesBefore) => ({ userId, minutesBefore })))].map((rule) => ({ ...rule, seriesId: newId })),
							{ transaction }
						);
						if (!allowOverlap) await this.assertNoClash(transaction, { id: newId, ...timing, exceptions: later.map(toException) }, [actor.userId, ...lesson.studentIds]);
						await replanLessonReminders(this.models, transaction, series.id, Date.now());
						await replanLessonReminders(this.models, transaction, newId, Date.now());
						const first = occurrencesOf({ id: newId, ...timing, exceptions: later.map(toException) }, splitMs - 1, Date.now() + CLASH_WINDOW_MS * 2)[0];
						await this.noteChange(transaction, { ...series, id: newId, title: lesson.title }, { occurrenceStart: iso(splitMs), change: "moved", startsAt: first ? iso(first.startMs) : null }, lesson.studentIds);
					});
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/schedule/classes/${newId}`;
					return (await this.viewOf(ctx, newId))!;
				}
			},

			setReminders: {
				rest: "PUT /schedule/classes/:id/reminders",
				permissions: ["teacher", "student"],
				needEntity: true,
				openapi: { summary: "The caller's own reminders for this lesson, in minutes before each occurrence (default 1440 and 60; [] for none)" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					minutesBefore: { type: "array", items: { type: "number", integer: true, min: 5, max: MAX_REMINDER_MINUTES }, unique: true, max: 5 }
				},
				async handler(ctx: ScheduleContext<{ id: string; minutesBefore: number[] }>): Promise<{ minutesBefore: number[] }> {
					const series = ctx.locals.entity as SeriesRow;
					const userId = ctx.meta.user!.id;
					const { ReminderRule } = this.models as SchedulingModels;
					await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [series.id]);
						await ReminderRule.destroy({ where: { seriesId: series.id, userId }, transaction });
						await ReminderRule.bulkCreate(ctx.params.minutesBefore.map((minutesBefore) => ({ seriesId: series.id, userId, minutesBefore })), { transaction });
						await replanLessonReminders(this.models, transaction, series.id, Date.now(), userId);
					});
					return { minutesBefore: [...ctx.params.minutesBefore].sort((a, b) => b - a) };
				}
			},

			occurrences: {
				rest: "GET /schedule/occurrences",
				permissions: ["teacher", "student"],
				openapi: {
					summary: "The caller's lesson occurrences between two local dates, in the viewer's zone",
					description: "`from` and `to` are local dates (inclusive) in `tz` (default: the caller's profile zone); at most 366 days. `classId` narrows to one lesson."
				},
				params: {
					$$strict: true,
					from: { type: "string", pattern: LOCAL_DATE },
					to: { type: "string", pattern: LOCAL_DATE },
					tz: { ...timezoneParam, optional: true },
					classId: { type: "uuid", optional: true },
					includeCancelled: { type: "boolean", convert: true, default: false }
				},
				async handler(ctx: ScheduleContext<{ from: string; to: string; tz?: string; classId?: string; includeCancelled: boolean }>): Promise<{ from: string; to: string; timezone: string; items: OccurrenceView[] }> {
					const { from, to, classId, includeCancelled } = ctx.params;
					const problems: FieldProblem[] = [];
					for (const field of ["from", "to"] as const) if (!isRealLocalDateTime(`${ctx.params[field]}T00:00`)) problems.push({ field, message: "This date does not exist." });
					if (problems.length === 0 && to < from) problems.push({ field: "to", message: "The range must end on or after it starts." });
					if (problems.length === 0 && Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days >= MAX_RANGE_DAYS) {
						problems.push({ field: "to", message: `At most ${MAX_RANGE_DAYS} days at a time.` });
					}
					if (problems.length > 0) throw new ValidationFailedError("The range is not valid", problems);
					const timezone = ctx.params.tz ?? ((await ctx.call("auth.me")) as PublicUser).timezone;
					const fromMs = startOfLocalDateMs(from, timezone);
					const toMs = startOfLocalDateMs(addLocalDays(to, 1), timezone);
					const { LessonSeries, LessonException } = this.models as SchedulingModels;
					const { series, exceptions }: { series: SeriesRow[]; exceptions: ExceptionRow[] } = await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						const rows = await findRows<SeriesRow>(LessonSeries, {
							where: { ...(classId ? { id: classId } : {}), spanStart: { [Op.lt]: new Date(toMs) }, [Op.or]: [{ spanEnd: null }, { spanEnd: { [Op.gt]: new Date(fromMs) } }] },
							transaction
						});
						const ids = rows.map((row) => row.id);
						return { series: rows, exceptions: await findRows<ExceptionRow>(LessonException, { where: { seriesId: ids }, transaction }) };
					});
					const items = series.flatMap((row) => occurrencesOf(withExceptions(row, exceptions), fromMs, toMs, { includeCancelled }).map((occurrence) => this.occurrenceView(row, occurrence, timezone)));
					return { from, to, timezone, items: items.sort((a, b) => a.start.localeCompare(b.start) || a.classId.localeCompare(b.classId)) };
				}
			},

			practiceReminder: {
				rest: "GET /schedule/practice-reminder",
				permissions: ["student"],
				openapi: { summary: "The student's daily practice reminder (skipped on days they already practised)" },
				params: { $$strict: true },
				async handler(ctx: ScheduleContext): Promise<{ enabled: boolean; localTime: string; timezone: string }> {
					const { PracticeReminder } = this.models as SchedulingModels;
					const setting: { enabled: boolean; localTime: string; timezone: string } | null = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						findRow(PracticeReminder, { where: { studentId: ctx.meta.user!.id }, transaction })
					);
					if (setting) return { enabled: setting.enabled, localTime: setting.localTime, timezone: setting.timezone };
					return { enabled: false, localTime: "18:00", timezone: ((await ctx.call("auth.me")) as PublicUser).timezone };
				}
			},

			setPracticeReminder: {
				rest: "PUT /schedule/practice-reminder",
				permissions: ["student"],
				openapi: { summary: "Set the daily practice reminder: a local time in a zone (default: the profile's zone)" },
				params: {
					$$strict: true,
					enabled: { type: "boolean" },
					localTime: { type: "string", pattern: /^([01]\d|2[0-3]):[0-5]\d$/, messages: { stringPattern: "The '{field}' field must be a time like 18:30." } },
					timezone: { ...timezoneParam, optional: true }
				},
				async handler(ctx: ScheduleContext<{ enabled: boolean; localTime: string; timezone?: string }>): Promise<{ enabled: boolean; localTime: string; timezone: string }> {
					const studentId = ctx.meta.user!.id;
					const timezone = ctx.params.timezone ?? ((await ctx.call("auth.me")) as PublicUser).timezone;
					const setting = { studentId, enabled: ctx.params.enabled, localTime: ctx.params.localTime, timezone };
					await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						await lockForPlanning(this.sequelize, transaction, [`practice:${studentId}`]);
						await (this.models as SchedulingModels).PracticeReminder.upsert(setting, { transaction });
						await replanPracticeReminders(this.models, transaction, studentId, Date.now());
					});
					return { enabled: setting.enabled, localTime: setting.localTime, timezone };
				}
			},

			feedToken: {
				rest: "GET /schedule/feed-token",
				permissions: ["teacher", "student"],
				openapi: { summary: "Whether the caller has a calendar feed link (the link itself is shown only when made)" },
				params: { $$strict: true },
				async handler(ctx: ScheduleContext): Promise<FeedTokenStatus> {
					const token: { createdAt: Date; lastUsedAt: Date | null } | null = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						findRow((this.models as SchedulingModels).FeedToken, { where: { userId: ctx.meta.user!.id, revokedAt: null }, transaction })
					);
					return { active: Boolean(token), createdAt: token?.createdAt.toISOString() ?? null, lastUsedAt: token?.lastUsedAt?.toISOString() ?? null };
				}
			},

			createFeedToken: {
				rest: "POST /schedule/feed-token",
				permissions: ["teacher", "student"],
				openapi: {
					summary: "Make a new calendar feed link (any previous link stops working)",
					description: "Answers `url` (https) and `webcalUrl` once; only a hash of the token is stored. The link names no person."
				},
				params: { $$strict: true },
				async handler(ctx: ScheduleContext): Promise<FeedLink> {
					const token = randomBytes(32).toString("base64url");
					const { FeedToken } = this.models as SchedulingModels;
					const createdAt = new Date();
					await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						await FeedToken.update({ revokedAt: createdAt }, { where: { userId: ctx.meta.user!.id, revokedAt: null }, transaction });
						await FeedToken.create({ userId: ctx.meta.user!.id, tokenHash: hashFeedToken(token), createdAt }, { transaction });
					});
					const url = `${feedBaseUrl}/${token}.ics`;
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = "/api/schedule/feed-token";
					return { url, webcalUrl: url.replace(/^https?:\/\//, "webcal://"), createdAt: createdAt.toISOString() };
				}
			},

			revokeFeedToken: {
				rest: "DELETE /schedule/feed-token",
				permissions: ["teacher", "student"],
				openapi: { summary: "Stop the calendar feed link" },
				params: { $$strict: true },
				async handler(ctx: ScheduleContext): Promise<void> {
					await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						(this.models as SchedulingModels).FeedToken.update({ revokedAt: new Date() }, { where: { userId: ctx.meta.user!.id, revokedAt: null }, transaction })
					);
					ctx.meta.$statusCode = 204;
				}
			},

			feed: {
				rest: "GET /schedule/feed/:file",
				permissions: ["public"],
				openapi: { summary: "The calendar feed (iCalendar) of the person whose link this is: `/api/schedule/feed/<token>.ics`, also as webcal://" },
				params: { $$strict: true, file: { type: "string", min: 1, max: 100 } },
				async handler(ctx: ScheduleContext<{ file: string }>): Promise<string> {
					const token = FEED_TOKEN.exec(ctx.params.file)?.[1];
					const owner = token ? await this.feedOwner(hashFeedToken(token)) : undefined;
					if (!owner) throw new NotFoundError("Calendar feed", "ERR_FEED_NOT_FOUND");
					const feedSeries = await this.feedSeriesOf(owner);
					ctx.meta.$responseType = "text/calendar; charset=utf-8";
					ctx.meta.$responseHeaders = { "Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="etude-lessons.ics"' };
					return buildFeed(feedSeries, { calendarName: "Etude lessons", uidDomain: UID_DOMAIN, generatedAtMs: Date.now() });
				}
			}
		},

		methods: {
			async findEntity(ctx: ScheduleContext<{ id: string }>): Promise<SeriesRow> {
				const row: SeriesRow | null = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
					findRow((this.models as SchedulingModels).LessonSeries, { where: { id: ctx.params.id }, transaction })
				);
				if (!row) throw new NotFoundError("Lesson", "ERR_LESSON_NOT_FOUND");
				return row;
			},

			isEntityOwner(ctx: ScheduleContext): boolean {
				return (ctx.locals.entity as SeriesRow).teacherId === ctx.meta.user!.id;
			},

			assertLinkedStudents(actor: PersonActor, studentIds: string[]): void {
				if (studentIds.some((studentId) => !actor.readableStudentIds.includes(studentId))) throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");
			},

			/** Advisory-lock keys of the people of a booking, so two bookings for the same person are checked one after the other. */
			peopleLocks(teacherId: string, studentIds: string[]): string[] {
				return [teacherId, ...studentIds].map((personId) => `person:${personId}`);
			},

			fieldsOf(series: SeriesRow): LessonFields {
				return {
					title: series.title,
					studentIds: [],
					startLocal: series.startLocal,
					timezone: series.timezone,
					durationMinutes: series.durationMinutes,
					location: series.location,
					onlineUrl: series.onlineUrl,
					notes: series.notes,
					recurrence: series.rrule ? fromRrule(series.rrule, series.timezone) : null
				};
			},

			/** The occurrence `value` names, or 404 when the series plans none then. */
			requireOccurrence(series: SeriesRow, value: string): number {
				const startMs = parseOccurrenceStart(value);
				if (!isOccurrenceStart(series, startMs)) throw new NotFoundError("Lesson occurrence", "ERR_OCCURRENCE_NOT_FOUND");
				return startMs;
			},

			async participantIds(ctx: ScheduleContext, seriesId: string): Promise<string[]> {
				const rows: Array<{ studentId: string }> = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
					findRows((this.models as SchedulingModels).LessonParticipant, { where: { seriesId }, transaction })
				);
				return rows.map((row) => row.studentId).sort();
			},

			/** New students get the default reminders; students who leave take their rules with them. Answers who was in before. */
			async replaceParticipants(transaction: Transaction, series: SeriesRow, studentIds: string[]): Promise<string[]> {
				const { LessonParticipant, ReminderRule } = this.models as SchedulingModels;
				const before = (await findRows<{ studentId: string }>(LessonParticipant, { where: { seriesId: series.id }, transaction })).map((row) => row.studentId);
				const leaving = before.filter((studentId) => !studentIds.includes(studentId));
				const joining = studentIds.filter((studentId) => !before.includes(studentId));
				if (leaving.length > 0) {
					await LessonParticipant.destroy({ where: { seriesId: series.id, studentId: leaving }, transaction });
					await ReminderRule.destroy({ where: { seriesId: series.id, userId: leaving }, transaction });
				}
				if (joining.length > 0) {
					await LessonParticipant.bulkCreate(joining.map((studentId) => ({ seriesId: series.id, studentId, teacherId: series.teacherId })), { transaction });
					await ReminderRule.bulkCreate(joining.flatMap((userId) => DEFAULT_REMINDER_MINUTES.map((minutesBefore) => ({ seriesId: series.id, userId, minutesBefore }))), { transaction });
				}
				return before;
			},

			/**
			 * 409 when one of `candidates` (default: the series' occurrences over the next year)
			 * overlaps another lesson of one of `personIds`. Reads the other lessons through
			 * etude_lesson_busy_times (times only), inside the transaction that holds the people's locks.
			 */
			async assertNoClash(transaction: Transaction, series: SeriesWithExceptions, personIds: string[], candidates?: Occurrence[]): Promise<void> {
				const nowMs = Date.now();
				const fromMs = Math.max(nowMs, seriesSpan(series).startMs);
				const planned = candidates ?? occurrencesOf(series, fromMs, fromMs + CLASH_WINDOW_MS);
				const upcoming = planned.filter((occurrence) => occurrence.endMs > nowMs);
				if (upcoming.length === 0) return;
				const windowStart = Math.min(...upcoming.map((occurrence) => occurrence.startMs));
				const windowEnd = Math.max(...upcoming.map((occurrence) => occurrence.endMs));
				const busy: Array<SeriesWithExceptions & { own: boolean; people: string[] }> = await this.busyTimes(transaction, personIds, windowStart, windowEnd);
				const others = busy.flatMap((other) =>
					occurrencesOf(other, windowStart, windowEnd).map((occurrence) => ({ ...occurrence, own: other.own, people: other.people }))
				);
				const found = findClash(upcoming, others);
				if (found) throw lessonConflict(found.candidate, found.clash as Occurrence & { own: boolean; people: string[] });
			},

			/** Raw SQL: a set-returning function has no builder form. */
			async busyTimes(transaction: Transaction, personIds: string[], windowStart: number, windowEnd: number): Promise<Array<SeriesWithExceptions & { own: boolean; people: string[] }>> {
				const sequelize: Sequelize = this.sequelize;
				const rows = await sequelize.query<{
					seriesId: string;
					startLocal: string;
					timezone: string;
					durationMinutes: number;
					rrule: string | null;
					own: boolean;
					people: string[];
					exceptions: Array<{ originalStart: string; status: "cancelled" | "moved"; startLocal: string | null; durationMinutes: number | null }>;
				}>(
					`SELECT b.series_id AS "seriesId", b.start_local AS "startLocal", b.timezone, b.duration_minutes AS "durationMinutes", b.rrule,
					        b.own, b.people, b.exceptions
					 FROM etude_lesson_busy_times(:personIds::uuid[], :windowStart, :windowEnd) b`,
					{ replacements: { personIds: `{${personIds.join(",")}}`, windowStart: new Date(windowStart), windowEnd: new Date(windowEnd) }, type: QueryTypes.SELECT, transaction }
				);
				return rows.map((row) => ({
					id: row.seriesId,
					startLocal: row.startLocal,
					timezone: row.timezone,
					durationMinutes: row.durationMinutes,
					rrule: row.rrule,
					own: row.own,
					people: row.people,
					exceptions: row.exceptions.map((exception) => ({ ...exception, originalStartMs: Date.parse(exception.originalStart), sequence: 0 }))
				}));
			},

			/**
			 * A change notice (`lessons.changed`) for the students concerned, written in the change's
			 * transaction and published by the reminder worker, so it is never lost to a crash after commit.
			 */
			async noteChange(
				transaction: Transaction,
				series: SeriesRow,
				change: Pick<DomainEventPayloads["lessons.changed"], "occurrenceStart" | "change" | "startsAt">,
				recipientIds: string[]
			): Promise<void> {
				if (recipientIds.length === 0) return;
				const payload: DomainEventPayloads["lessons.changed"] = { lessonId: series.id, ...change, recipientIds, title: series.title };
				await (this.models as SchedulingModels).ScheduledMessage.create(
					{ messageKey: `changed:${series.id}:${randomUUID()}`, kind: "lesson_changed", teacherId: series.teacherId, payload, dueAt: new Date() },
					{ transaction }
				);
			},

			async viewOf(ctx: ScheduleContext, id: string): Promise<LessonView | undefined> {
				const row: SeriesRow | null = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
					findRow((this.models as SchedulingModels).LessonSeries, { where: { id }, transaction })
				);
				return row ? (await this.viewsOf(ctx, [row]))[0] : undefined;
			},

			async viewsOf(ctx: ScheduleContext, rows: SeriesRow[]): Promise<LessonView[]> {
				if (rows.length === 0) return [];
				const ids = rows.map((row) => row.id);
				const userId = ctx.meta.user!.id;
				const { LessonException, LessonParticipant, ReminderRule } = this.models as SchedulingModels;
				const { exceptions, participants, rules }: { exceptions: ExceptionRow[]; participants: Array<{ seriesId: string; studentId: string }>; rules: Array<{ seriesId: string; minutesBefore: number }> } =
					await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => ({
					exceptions: await findRows<ExceptionRow>(LessonException, { where: { seriesId: ids }, order: [["originalStart", "ASC"]], transaction }),
					participants: await findRows<{ seriesId: string; studentId: string }>(LessonParticipant, { where: { seriesId: ids }, transaction }),
					rules: await findRows<{ seriesId: string; minutesBefore: number }>(ReminderRule, { where: { seriesId: ids, userId }, transaction })
				}));
				return rows.map((row) => ({
					id: row.id,
					teacherId: row.teacherId,
					title: row.title,
					location: row.location,
					onlineUrl: row.onlineUrl,
					notes: row.notes,
					startLocal: row.startLocal,
					timezone: row.timezone,
					durationMinutes: row.durationMinutes,
					recurrence: row.rrule ? fromRrule(row.rrule, row.timezone) : null,
					rrule: row.rrule,
					studentIds: participants.filter((participant) => participant.seriesId === row.id).map((participant) => participant.studentId).sort(),
					exceptions: exceptions
						.filter((exception) => exception.seriesId === row.id)
						.map((exception) => ({ occurrenceStart: exception.originalStart.toISOString(), status: exception.status, startLocal: exception.startLocal, durationMinutes: exception.durationMinutes })),
					myReminders: rules.filter((rule) => rule.seriesId === row.id).map((rule) => rule.minutesBefore).sort((a, b) => b - a),
					sequence: row.sequence,
					splitFromId: row.splitFromId,
					createdAt: row.createdAt.toISOString(),
					updatedAt: row.updatedAt.toISOString()
				}));
			},

			occurrenceView(series: SeriesRow, occurrence: Occurrence, timezone: string): OccurrenceView {
				return {
					classId: series.id,
					title: series.title,
					occurrenceStart: iso(occurrence.originalStartMs),
					start: iso(occurrence.startMs),
					end: iso(occurrence.endMs),
					status: occurrence.status,
					localStart: instantToLocal(occurrence.startMs, timezone),
					localEnd: instantToLocal(occurrence.endMs, timezone),
					lessonLocalStart: instantToLocal(occurrence.startMs, series.timezone),
					lessonTimezone: series.timezone,
					location: series.location,
					onlineUrl: series.onlineUrl,
					teacherId: series.teacherId
				};
			},

			/** One occurrence after a change, in the lesson's own zone. */
			async occurrenceViewOf(ctx: ScheduleContext, seriesId: string, originalStartMs: number): Promise<OccurrenceView> {
				const { LessonSeries, LessonException } = this.models as SchedulingModels;
				const { series, exceptions } = await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => ({
					series: (await findRow<SeriesRow>(LessonSeries, { where: { id: seriesId }, transaction }))!,
					exceptions: await findRows<ExceptionRow>(LessonException, { where: { seriesId }, transaction })
				}));
				return this.occurrenceView(series, occurrenceOf(withExceptions(series, exceptions), originalStartMs)!, series.timezone);
			},

			/** Whose feed a token opens (the token is the credential), noting its use at most hourly. */
			async feedOwner(tokenHash: string): Promise<string | undefined> {
				const { FeedToken } = this.models as SchedulingModels;
				return this.asSystem(async (transaction: Transaction) => {
					const token = await findRow<{ id: string; userId: string; lastUsedAt: Date | null }>(FeedToken, { where: { tokenHash, revokedAt: null }, transaction });
					if (!token) return undefined;
					if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > FEED_USE_RECORDED_EVERY_MS) {
						await FeedToken.update({ lastUsedAt: new Date() }, { where: { id: token.id }, transaction });
					}
					return token.userId;
				});
			},

			async feedSeriesOf(userId: string): Promise<FeedSeries[]> {
				const { LessonSeries, LessonParticipant, LessonException } = this.models as SchedulingModels;
				return this.asSystem(async (transaction: Transaction) => {
					const taking = (await findRows<{ seriesId: string }>(LessonParticipant, { where: { studentId: userId }, transaction })).map((row) => row.seriesId);
					const rows = await findRows<SeriesRow>(LessonSeries, { where: { [Op.or]: [{ teacherId: userId }, { id: taking }] }, order: [["spanStart", "ASC"]], transaction });
					const exceptions = await findRows<ExceptionRow>(LessonException, { where: { seriesId: rows.map((row) => row.id) }, transaction });
					return rows.map((row) => ({ ...withExceptions(row, exceptions), title: row.title, location: row.location, onlineUrl: row.onlineUrl, notes: row.notes, sequence: row.sequence }));
				});
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { LessonSeries, LessonParticipant, LessonException, ReminderRule, PracticeReminder, ScheduledMessage, FeedToken } = this.models as SchedulingModels;
				return this.asSystem(async (transaction: Transaction) => {
					const series = await findRows<SeriesRow>(LessonSeries, { where: { teacherId: userId }, transaction });
					const seriesIds = series.map((row) => row.id);
					return {
						tables: {
							lesson_series: series,
							lesson_exceptions: await findRows(LessonException, { where: { seriesId: seriesIds }, transaction }),
							lesson_participants: await findRows(LessonParticipant, { where: { [Op.or]: [{ studentId: userId }, { seriesId: seriesIds }] }, transaction }),
							lesson_reminder_rules: await findRows(ReminderRule, { where: { userId }, transaction }),
							practice_reminder_settings: await findRows(PracticeReminder, { where: { studentId: userId }, transaction }),
							scheduled_messages: await findRows(ScheduledMessage, { where: { recipientId: userId }, transaction }),
							schedule_feed_tokens: await findRows(FeedToken, { where: { userId }, attributes: ["id", "createdAt", "lastUsedAt", "revokedAt"], transaction })
						}
					};
				});
			},

			/** A purged teacher's series end (their students are told); a purged student leaves the lessons they were in. */
			async purgePersonalData(event: DomainEvent<"accounts.purge">): Promise<void> {
				const { userId } = event;
				const { LessonSeries, LessonParticipant, ReminderRule, PracticeReminder, ScheduledMessage, FeedToken } = this.models as SchedulingModels;
				await this.asSystem(async (transaction: Transaction) => {
					const series = await findRows<SeriesRow>(LessonSeries, { where: { teacherId: userId }, transaction });
					for (const row of series) {
						const students = (await findRows<{ studentId: string }>(LessonParticipant, { where: { seriesId: row.id }, transaction })).map((p) => p.studentId);
						await this.noteChange(transaction, row, { occurrenceStart: null, change: "cancelled", startsAt: null }, students);
					}
					await LessonSeries.destroy({ where: { teacherId: userId }, transaction });
					// The cancellation notices still reach the students, no longer naming who sent them.
					await ScheduledMessage.update({ teacherId: null }, { where: { teacherId: userId }, transaction });
					const taking = (await findRows<{ seriesId: string }>(LessonParticipant, { where: { studentId: userId }, transaction })).map((row) => row.seriesId);
					await LessonParticipant.destroy({ where: { studentId: userId }, transaction });
					await ReminderRule.destroy({ where: { userId }, transaction });
					await PracticeReminder.destroy({ where: { studentId: userId }, transaction });
					await ScheduledMessage.destroy({ where: { recipientId: userId }, transaction });
					await FeedToken.destroy({ where: { userId }, transaction });
					for (const seriesId of taking) await replanLessonReminders(this.models, transaction, seriesId, Date.now());
				});
			}
		}
	};
}
