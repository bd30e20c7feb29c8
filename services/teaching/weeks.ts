import { Temporal } from "temporal-polyfill";
import { memoizeStrings } from "../../lib/memo";
import type { WeeklyProgress } from "../../contracts/teaching";
import { addDays, isoWeekday } from "../analytics/practice-days";

/**
 * Days and weeks of a person, in their own time zone. Calendar dates are "YYYY-MM-DD" strings of
 * that zone; instants are ISO strings. Nothing here adds 86 400 s to cross a day: a day at a
 * daylight-saving change has 23 or 25 hours, so days are counted on the calendar and turned into
 * instants by the zone's rules (Temporal).
 */

const calendarDateFormats = new Map<string, Intl.DateTimeFormat>();

/** The person's calendar date at `now` (by the zone's Intl rules, as Temporal uses them; a roster asks for hundreds at once). */
export function localToday(timezone: string, now: Date = new Date()): string {
	let format = calendarDateFormats.get(timezone);
	if (!format) {
		format = new Intl.DateTimeFormat("en-US", { timeZone: timezone, calendar: "iso8601", numberingSystem: "latn", year: "numeric", month: "2-digit", day: "2-digit" });
		calendarDateFormats.set(timezone, format);
	}
	const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]));
	return `${parts.year!.padStart(4, "0")}-${parts.month}-${parts.day}`;
}

/** The ISO week (Monday to Sunday) holding `date`. */
export function isoWeekOf(date: string): { weekStart: string; weekEnd: string } {
	const weekStart = addDays(date, 1 - isoWeekday(date));
	return { weekStart, weekEnd: addDays(weekStart, 6) };
}

/**
 * The last second of `date` in the zone: "due Friday" is due at Friday 23:59:59 where the student
 * is. A zone whose clocks jump over that second uses the first valid time after it.
 */
export const endOfLocalDay = memoizeStrings((date: string, timezone: string): string =>
	Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: timezone, plainTime: "23:59:59" }).toInstant().toString()
);

/** The `count` dates ending with `lastDate`, oldest first. */
export function datesEndingOn(lastDate: string, count: number): string[] {
	return Array.from({ length: count }, (_, index) => addDays(lastDate, index - count + 1));
}

/** Minutes practised on one local day in one focus (a session counts for the day it started). */
export interface PracticeDay {
	date: string;
	focus: string;
	minutes: number;
	sessions: number;
}

export interface WeeklyTarget {
	minutesPerWeek: number | null;
	daysPerWeek: number | null;
	focus: string | null;
}

/**
 * Progress against a weekly goal in the ISO week holding `today`. On track: already met, or the
 * minutes keep pace with the days already over (today is still to come), and enough days are left
 * to reach the days target.
 */
export function weeklyProgress(target: WeeklyTarget, days: readonly PracticeDay[], today: string): WeeklyProgress {
	const { weekStart, weekEnd } = isoWeekOf(today);
	const counted = days.filter((day) => day.date >= weekStart && day.date <= today && (target.focus === null || day.focus === target.focus));
	const minutesDone = counted.reduce((total, day) => total + day.minutes, 0);
	const practiceDates = new Set(counted.map((day) => day.date));
	const daysDone = practiceDates.size;
	const minutesMet = target.minutesPerWeek === null || minutesDone >= target.minutesPerWeek;
	const daysMet = target.daysPerWeek === null || daysDone >= target.daysPerWeek;
	const weekday = isoWeekday(today);
	const daysStillPossible = 7 - weekday + (practiceDates.has(today) ? 0 : 1);
	const minutesOnPace = target.minutesPerWeek === null || minutesDone >= (target.minutesPerWeek * (weekday - 1)) / 7;
	const daysReachable = target.daysPerWeek === null || daysDone + daysStillPossible >= target.daysPerWeek;
	const met = minutesMet && daysMet;
	return { weekStart, weekEnd, minutesDone, daysDone, met, onTrack: met || (minutesOnPace && daysReachable) };
}
