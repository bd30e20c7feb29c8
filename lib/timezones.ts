import { Temporal } from "temporal-polyfill";
import { memoizeStrings } from "./memo";

const KNOWN_TIMEZONES = new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC"]);

/** IANA names only ("Europe/Vienna"); offsets like "+01:00" break on daylight-saving changes. */
export function isValidTimezone(name: string): boolean {
	if (KNOWN_TIMEZONES.has(name)) return true;
	// IANA links are names too: ICU still lists Asia/Calcutta, not Asia/Kolkata, as canonical.
	if (!/^[A-Z][A-Za-z_-]*(\/[A-Z][A-Za-z0-9_+-]*)+$/.test(name)) return false;
	try {
		return KNOWN_TIMEZONES.has(new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone);
	} catch {
		return false;
	}
}

/** A params rule for an IANA time zone, checked at the edge like any other field. */
export const timezoneRule = {
	type: "custom",
	check: (value: unknown) => (typeof value === "string" && isValidTimezone(value) ? true : [{ type: "timezone", actual: value }]),
	messages: { timezone: "The '{field}' field must be an IANA time zone such as Europe/Vienna." }
};

/** The params rule of an internal batch read about many students (a roster): each with their zone and `props`. */
export function studentBatchRule(props: Record<string, unknown>) {
	return { type: "array", max: 1000, items: { type: "object", strict: true, props: { studentId: "uuid", timezone: timezoneRule, ...props } } };
}

/**
 * The instant (ISO) at which a calendar date begins in the zone: its midnight, or the first moment
 * of a day whose midnight a clock change skips. Queries take day bounds as such values rather than
 * computing `date::timestamp AT TIME ZONE zone` from a row: under row-level security PostgreSQL
 * keeps a condition that passes a column to a function it cannot prove leak-free (AT TIME ZONE is
 * one) behind the policy, so the range is filtered row by row instead of bounding the index scan.
 * Remembered: a roster asks for the same few zones' days hundreds of times.
 */
export const startOfLocalDay = memoizeStrings((date: string, timezone: string): string =>
	Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: timezone }).toInstant().toString()
);

/** The instants [from, until) covering the calendar dates `from` to `to`, both included, in the zone. */
export const localDaysSpan = memoizeStrings((from: string, to: string, timezone: string): Readonly<{ from: string; until: string }> => ({
	from: startOfLocalDay(from, timezone),
	until: startOfLocalDay(Temporal.PlainDate.from(to).add({ days: 1 }).toString(), timezone)
}));
