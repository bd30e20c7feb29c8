import { RRuleTemporal } from "rrule-temporal";
import { Temporal } from "temporal-polyfill";
import type { Recurrence, Weekday } from "../../contracts/scheduling";

/**
 * Lesson times as people keep them: a wall-clock start ("2026-10-01T16:00") in an IANA zone, a
 * duration, and an RFC 5545 RRULE. Nothing here reads the process's time zone.
 *
 * Expansion runs on the wall clock, then places each wall-clock time in the lesson's zone. The
 * RRULE is expanded as if its zone were UTC (which has no daylight-saving gaps), so a weekly 16:00
 * stays 16:00 across a DST change, and every generated wall-clock time is then resolved with
 * Temporal's `compatible` disambiguation, our stated policy:
 * - a time inside a spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00)
 *   moves forward by the length of the gap (03:30), instead of being dropped;
 * - a time that happens twice on a fall-back night (01:30) is the first of the two, once.
 */

/** The weekdays in RRULE order (the contract names the type; this list is the server's, to validate and parse). */
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const satisfies readonly Weekday[];
export type { Recurrence, Weekday };

export const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
export const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** When a series of lessons happens. */
export interface SeriesTiming {
	startLocal: string;
	timezone: string;
	durationMinutes: number;
	/** The RRULE value (without "RRULE:"), or null for a single lesson. */
	rrule: string | null;
}

export interface ExpandedOccurrence {
	/** The occurrence's identity: its start as the series plans it, epoch ms. */
	originalStartMs: number;
	startMs: number;
	endMs: number;
	/** Wall clock in the lesson's zone, "YYYY-MM-DDTHH:mm". */
	localStart: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A wall-clock time in a zone → epoch ms, by the `compatible` policy above. */
export function localToInstantMs(localStart: string, timezone: string): number {
	return Temporal.PlainDateTime.from(localStart).toZonedDateTime(timezone, { disambiguation: "compatible" }).epochMilliseconds;
}

/** Epoch ms → "YYYY-MM-DDTHH:mm" on the wall clock of a zone. */
export function instantToLocal(epochMs: number, timezone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timezone).toPlainDateTime().toString({ smallestUnit: "minute" });
}

/** The local calendar date of an instant in a zone. */
export function localDateOf(epochMs: number, timezone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timezone).toPlainDate().toString();
}

/** The first instant of a local date in a zone (a day may start at 01:00 where midnight is skipped). */
export function startOfLocalDateMs(localDate: string, timezone: string): number {
	return Temporal.PlainDate.from(localDate).toZonedDateTime({ timeZone: timezone }).epochMilliseconds;
}

export function addLocalDays(localDate: string, days: number): string {
	return Temporal.PlainDate.from(localDate).add({ days }).toString();
}

function weekdayOf(localStart: string): Weekday {
	return WEEKDAYS[Temporal.PlainDate.from(localStart.slice(0, 10)).dayOfWeek - 1]!;
}

function utcStamp(epochMs: number): string {
	return new Date(epochMs).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function parseUtcStamp(stamp: string): number {
	const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
	if (!match) throw new Error(`UNTIL must be a UTC date-time, got ${stamp}`);
	const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
	return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

function ruleParts(rrule: string): Map<string, string> {
	return new Map(rrule.split(";").map((part) => part.split("=") as [string, string]));
}

function joinRule(parts: Map<string, string>): string {
	return [...parts].map(([key, value]) => `${key}=${value}`).join(";");
}

/**
 * The RRULE for a recurrence starting at `startLocal` in `timezone`. UNTIL is the end of the
 * `until` day in the lesson's zone, written in UTC as RFC 5545 requires with a zoned DTSTART.
 */
export function toRrule(recurrence: Recurrence, startLocal: string, timezone: string): string {
	const parts = new Map<string, string>([["FREQ", recurrence.frequency === "weekly" ? "WEEKLY" : "MONTHLY"]]);
	if (recurrence.interval > 1) parts.set("INTERVAL", String(recurrence.interval));
	if (recurrence.frequency === "weekly") {
		const days = recurrence.weekdays?.length ? recurrence.weekdays : [weekdayOf(startLocal)];
		parts.set("BYDAY", WEEKDAYS.filter((day) => days.includes(day)).join(","));
	} else {
		const dayOfMonth = Number(startLocal.slice(8, 10));
		const ordinal = recurrence.weekdayOrdinal ?? (Math.ceil(dayOfMonth / 7) > 4 ? -1 : Math.ceil(dayOfMonth / 7));
		parts.set("BYDAY", `${ordinal}${weekdayOf(startLocal)}`);
	}
	if (recurrence.count !== undefined) parts.set("COUNT", String(recurrence.count));
	if (recurrence.until !== undefined) {
		const endOfDay = startOfLocalDateMs(addLocalDays(recurrence.until, 1), timezone) - 1000;
		parts.set("UNTIL", utcStamp(endOfDay));
	}
	return joinRule(parts);
}

/** The recurrence an RRULE of ours describes (the inverse of toRrule). */
export function fromRrule(rrule: string, timezone: string): Recurrence {
	const parts = ruleParts(rrule);
	const frequency = parts.get("FREQ") === "WEEKLY" ? "weekly" : "monthly";
	const recurrence: Recurrence = { frequency, interval: Number(parts.get("INTERVAL") ?? 1) };
	const byDay = parts.get("BYDAY") ?? "";
	if (frequency === "weekly") recurrence.weekdays = byDay.split(",").filter(Boolean) as Weekday[];
	else recurrence.weekdayOrdinal = Number(/^(-?\d)/.exec(byDay)?.[1] ?? 1) as Recurrence["weekdayOrdinal"];
	if (parts.has("COUNT")) recurrence.count = Number(parts.get("COUNT"));
	if (parts.has("UNTIL")) recurrence.until = localDateOf(parseUtcStamp(parts.get("UNTIL")!), timezone);
	return recurrence;
}

/** The same rule, ending just before `beforeMs` (for "this and following": the old series stops there). */
export function endRuleBefore(rrule: string, beforeMs: number): string {
	const parts = ruleParts(rrule);
	parts.delete("COUNT");
	parts.set("UNTIL", utcStamp(beforeMs - 1000));
	return joinRule(parts);
}

export function ruleCount(rrule: string | null): number | undefined {
	const count = rrule ? ruleParts(rrule).get("COUNT") : undefined;
	return count === undefined ? undefined : Number(count);
}

/**
 * The rule expanded on the wall clock: UNTIL (a UTC instant) becomes the wall-clock time it is in
 * the lesson's zone, written as UTC, so it compares with the floating DTSTART.
 */
function floatingRule(timing: SeriesTiming & { rrule: string }): RRuleTemporal {
	const parts = ruleParts(timing.rrule);
	const until = parts.get("UNTIL");
	if (until) parts.set("UNTIL", `${instantToLocal(parseUtcStamp(until), timing.timezone).replace(/[-:]/g, "")}59Z`);
	return new RRuleTemporal({ rruleString: `DTSTART:${timing.startLocal.replace(/[-:]/g, "")}00Z\nRRULE:${joinRule(parts)}` });
}

function floatingMs(localStart: string): number {
	return Date.parse(`${localStart}:00Z`);
}

function occurrenceAt(localStart: string, timing: SeriesTiming): ExpandedOccurrence {
	const startMs = localToInstantMs(localStart, timing.timezone);
	return { originalStartMs: startMs, startMs, endMs: startMs + timing.durationMinutes * MINUTE_MS, localStart };
}

/**
 * Occurrences of a series (without its exceptions) that overlap [fromMs, toMs), in order.
 * The wall-clock window is widened by a day on each side: no zone is more than 14 hours from UTC.
 */
export function expandSeries(timing: SeriesTiming, fromMs: number, toMs: number): ExpandedOccurrence[] {
	const durationMs = timing.durationMinutes * MINUTE_MS;
	const overlaps = (occurrence: ExpandedOccurrence) => occurrence.startMs < toMs && occurrence.endMs > fromMs;
	if (!timing.rrule) return [occurrenceAt(timing.startLocal, timing)].filter(overlaps);
	const rule = floatingRule({ ...timing, rrule: timing.rrule });
	const windowStart = floatingMs(instantToLocal(fromMs - durationMs, timing.timezone)) - DAY_MS;
	const windowEnd = floatingMs(instantToLocal(toMs, timing.timezone)) + DAY_MS;
	return rule
		.between(new Date(windowStart), new Date(windowEnd), true)
		.map((floating) => occurrenceAt(floating.toPlainDateTime().toString({ smallestUnit: "minute" }), timing))
		.filter(overlaps);
}

/** The first and last moment a series occupies; `endMs` is null when it never ends. */
export function seriesSpan(timing: SeriesTiming): { startMs: number; endMs: number | null } {
	const startMs = localToInstantMs(timing.startLocal, timing.timezone);
	const durationMs = timing.durationMinutes * MINUTE_MS;
	if (!timing.rrule) return { startMs, endMs: startMs + durationMs };
	const parts = ruleParts(timing.rrule);
	if (!parts.has("COUNT") && !parts.has("UNTIL")) return { startMs, endMs: null };
	const last = floatingRule({ ...timing, rrule: timing.rrule }).all().at(-1);
	const lastStartMs = last ? localToInstantMs(last.toPlainDateTime().toString({ smallestUnit: "minute" }), timing.timezone) : startMs;
	return { startMs, endMs: lastStartMs + durationMs };
}

/** Whether the series (without exceptions) has an occurrence starting exactly at `startMs`. */
export function isOccurrenceStart(timing: SeriesTiming, startMs: number): boolean {
	return expandSeries(timing, startMs, startMs + 1).some((occurrence) => occurrence.originalStartMs === startMs);
}

/** How many occurrences start before `beforeMs` (to continue a counted series after a split). */
export function occurrencesBefore(timing: SeriesTiming, beforeMs: number): number {
	const { startMs } = seriesSpan(timing);
	return expandSeries(timing, startMs, beforeMs).filter((occurrence) => occurrence.startMs < beforeMs).length;
}
