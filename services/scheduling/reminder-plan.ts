import { occurrencesOf, type SeriesWithExceptions } from "./occurrences";
import { addLocalDays, localDateOf, localToInstantMs, startOfLocalDateMs } from "./recurrence";

/**
 * Which reminders are due when. Reminders are planned as rows of `scheduled_messages` for the next
 * REMINDER_HORIZON_MS only (a series may never end); a timer tops the plan up, and every change to
 * a lesson re-plans its reminders in the same transaction.
 *
 * Policy for a reminder whose time has already passed when it is planned (a lesson booked two hours
 * ahead has a 24-hour rule): it is not sent; the 1-hour reminder still is. A planned reminder that
 * became due is sent unless the lesson has begun.
 */
export const REMINDER_HORIZON_MS = 48 * 3_600_000;
export const DEFAULT_REMINDER_MINUTES = [1440, 60] as const;
export const MAX_REMINDER_MINUTES = 7 * 1440;
/** A reminder planned this late still goes out (the lesson was booked just as its reminder fell due). */
export const PLANNING_GRACE_MS = 60_000;

const MINUTE_MS = 60_000;

export interface PlannedLessonReminder {
	messageKey: string;
	seriesId: string;
	teacherId: string;
	recipientId: string;
	occurrenceStart: Date;
	minutesBefore: number;
	dueAt: Date;
	expiresAt: Date;
}

export interface PlannedPracticeReminder {
	messageKey: string;
	recipientId: string;
	localDate: string;
	dueAt: Date;
	expiresAt: Date;
}

/**
 * A reminder's identity: the occurrence (series + original start), the time it is reminded of,
 * the recipient and the rule. Moving an occurrence makes a new reminder for the new time (the one
 * for the old time is dropped if still pending); a reminder already sent is never sent again.
 */
export function lessonReminderKey(seriesId: string, originalStartMs: number, startMs: number, recipientId: string, minutesBefore: number): string {
	return `lesson:${seriesId}:${new Date(originalStartMs).toISOString()}:${new Date(startMs).toISOString()}:${recipientId}:${minutesBefore}`;
}

/** One practice reminder per student and local day, however often 18:30 happens that day. */
export function practiceReminderKey(studentId: string, localDate: string): string {
	return `practice:${studentId}:${localDate}`;
}

/**
 * The reminders of a series from `nowMs` to the horizon: for every occurrence that has not begun,
 * every recipient and each of their rules, the ones whose due time is within the horizon
 * (including those already overdue, so that a re-plan keeps them; `isStillPlannable` decides
 * which ones may be added).
 */
export function planLessonReminders(
	series: SeriesWithExceptions & { teacherId: string },
	minutesByRecipient: Map<string, number[]>,
	nowMs: number,
	horizonMs = REMINDER_HORIZON_MS
): PlannedLessonReminder[] {
	const planned: PlannedLessonReminder[] = [];
	const horizonEnd = nowMs + horizonMs;
	for (const occurrence of occurrencesOf(series, nowMs, horizonEnd + MAX_REMINDER_MINUTES * MINUTE_MS)) {
		if (occurrence.startMs <= nowMs) continue;
		for (const [recipientId, minutesList] of minutesByRecipient) {
			for (const minutesBefore of minutesList) {
				const dueMs = occurrence.startMs - minutesBefore * MINUTE_MS;
				if (dueMs > horizonEnd) continue;
				planned.push({
					messageKey: lessonReminderKey(series.id, occurrence.originalStartMs, occurrence.startMs, recipientId, minutesBefore),
					seriesId: series.id,
					teacherId: series.teacherId,
					recipientId,
					occurrenceStart: new Date(occurrence.originalStartMs),
					minutesBefore,
					dueAt: new Date(dueMs),
					expiresAt: new Date(occurrence.startMs)
				});
			}
		}
	}
	return planned;
}

/** A reminder may be added to the plan while its due time has not passed (give or take the grace). */
export function isStillPlannable(reminder: { dueAt: Date }, nowMs: number): boolean {
	return reminder.dueAt.getTime() >= nowMs - PLANNING_GRACE_MS;
}

/**
 * A student's daily practice reminders within the horizon: at `localTime` on each local day in
 * their zone (a time skipped by a spring-forward change comes an hour later), until that day ends.
 */
export function planPracticeReminders(
	setting: { studentId: string; localTime: string; timezone: string },
	nowMs: number,
	horizonMs = REMINDER_HORIZON_MS
): PlannedPracticeReminder[] {
	const planned: PlannedPracticeReminder[] = [];
	const today = localDateOf(nowMs, setting.timezone);
	for (let day = 0; day <= Math.ceil(horizonMs / 86_400_000); day++) {
		const localDate = addLocalDays(today, day);
		const dueMs = localToInstantMs(`${localDate}T${setting.localTime}`, setting.timezone);
		if (dueMs > nowMs + horizonMs) break;
		planned.push({
			messageKey: practiceReminderKey(setting.studentId, localDate),
			recipientId: setting.studentId,
			localDate,
			dueAt: new Date(dueMs),
			expiresAt: new Date(startOfLocalDateMs(addLocalDays(localDate, 1), setting.timezone))
		});
	}
	return planned;
}
