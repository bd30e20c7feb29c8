import { Op, QueryTypes, type Sequelize, type Transaction, type WhereOptions } from "sequelize";
import { findRow, findRows, type ExceptionRow, type SchedulingModels, type SeriesRow } from "./models";
import type { LessonException, SeriesWithExceptions } from "./occurrences";
import { isStillPlannable, planLessonReminders, planPracticeReminders } from "./reminder-plan";

/**
 * Re-planning reminders in the transaction that changes what they depend on. Every re-plan of a
 * series first takes the series' advisory lock, then reads its state, so a change and the
 * planner's periodic top-up never interleave (the planner would otherwise write back reminders
 * it read before the change).
 */

const PENDING = { sentAt: null, skippedAt: null };

/** Raw SQL: advisory locks have no builder form. Held until the transaction ends. */
export async function lockForPlanning(sequelize: Sequelize, transaction: Transaction, keys: string[], options: { wait: boolean } = { wait: true }): Promise<boolean> {
	for (const key of [...new Set(keys)].sort()) {
		const [row] = await sequelize.query<{ locked: boolean | null }>(
			options.wait
				? "SELECT pg_advisory_xact_lock(hashtextextended(:key, 7301948)) IS NULL AS locked"
				: "SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 7301948)) AS locked",
			{ replacements: { key }, type: QueryTypes.SELECT, transaction }
		);
		if (!options.wait && !row?.locked) return false;
	}
	return true;
}

export function toException(row: ExceptionRow): LessonException {
	return {
		originalStartMs: row.originalStart.getTime(),
		status: row.status,
		startLocal: row.startLocal,
		durationMinutes: row.durationMinutes,
		sequence: row.sequence
	};
}

export function withExceptions(series: SeriesRow, exceptions: ExceptionRow[]): SeriesWithExceptions & { teacherId: string } {
	return { ...series, exceptions: exceptions.filter((row) => row.seriesId === series.id).map(toException) };
}

/**
 * Makes the pending reminders of a series match its current state: drops those no longer wanted
 * (cancelled or moved occurrences, removed rules or people) and adds the missing ones. With
 * `recipientId`, only that person's reminders (a student changing their own rules).
 */
export async function replanLessonReminders(
	models: SchedulingModels,
	transaction: Transaction,
	seriesId: string,
	nowMs: number,
	recipientId?: string
): Promise<void> {
	const { LessonSeries, LessonException, LessonParticipant, ReminderRule, ScheduledMessage } = models;
	const scope: WhereOptions = { seriesId, kind: "lesson_reminder", ...PENDING, ...(recipientId ? { recipientId } : {}) };
	const series = await findRow<SeriesRow>(LessonSeries, { where: { id: seriesId }, transaction });
	if (!series) {
		await ScheduledMessage.destroy({ where: scope, transaction });
		return;
	}
	// One after another: a transaction is one connection, which runs one query at a time anyway.
	const exceptions = await findRows<ExceptionRow>(LessonException, { where: { seriesId }, transaction });
	const participants = await findRows<{ studentId: string }>(LessonParticipant, { where: { seriesId }, transaction });
	const rules = await findRows<{ userId: string; minutesBefore: number }>(ReminderRule, { where: { seriesId, ...(recipientId ? { userId: recipientId } : {}) }, transaction });
	const people = new Set([series.teacherId, ...participants.map((participant) => participant.studentId)]);
	const minutesByRecipient = new Map<string, number[]>();
	for (const rule of rules) {
		if (!people.has(rule.userId)) continue;
		minutesByRecipient.set(rule.userId, [...(minutesByRecipient.get(rule.userId) ?? []), rule.minutesBefore]);
	}
	await syncPending(models, transaction, scope, "lesson_reminder", planLessonReminders(withExceptions(series, exceptions), minutesByRecipient, nowMs), nowMs);
}

/** The same for a student's daily practice reminder (none while it is switched off). */
export async function replanPracticeReminders(models: SchedulingModels, transaction: Transaction, studentId: string, nowMs: number): Promise<void> {
	const { PracticeReminder } = models;
	const scope: WhereOptions = { recipientId: studentId, kind: "practice_reminder", ...PENDING };
	const setting = await findRow<{ studentId: string; localTime: string; timezone: string; enabled: boolean }>(PracticeReminder, { where: { studentId }, transaction });
	await syncPending(models, transaction, scope, "practice_reminder", setting?.enabled ? planPracticeReminders(setting, nowMs) : [], nowMs);
}

/** Pending rows in `scope` become exactly `desired`: the others are dropped, the missing ones added (sent ones stay sent). */
async function syncPending(
	models: SchedulingModels,
	transaction: Transaction,
	scope: WhereOptions,
	kind: "lesson_reminder" | "practice_reminder",
	desired: Array<{ messageKey: string; dueAt: Date }>,
	nowMs: number
): Promise<void> {
	const keys = desired.map((reminder) => reminder.messageKey);
	await models.ScheduledMessage.destroy({ where: keys.length > 0 ? { ...scope, messageKey: { [Op.notIn]: keys } } : scope, transaction });
	const added = desired.filter((reminder) => isStillPlannable(reminder, nowMs));
	if (added.length > 0) await models.ScheduledMessage.bulkCreate(added.map((reminder) => ({ ...reminder, kind })), { ignoreDuplicates: true, transaction });
}
