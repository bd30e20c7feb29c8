import { Temporal } from "temporal-polyfill";

/** A local-time window ("22:00"–"07:00") in which device pushes wait; it may span midnight. */
export interface QuietHours {
	startsLocal: string;
	endsLocal: string;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When a device push planned at `nowMs` may go out for someone in `timezone`: `nowMs` itself
 * outside their quiet hours, else the end of the window in their zone (on a day whose clock
 * skips the end time, the first instant after the gap, Temporal's "compatible" policy).
 */
export function quietHoursRelease(quiet: QuietHours, timezone: string, nowMs: number): number {
	const now = Temporal.Instant.fromEpochMilliseconds(nowMs).toZonedDateTimeISO(timezone);
	const start = minutesOf(quiet.startsLocal);
	const end = minutesOf(quiet.endsLocal);
	const current = now.hour * 60 + now.minute;
	const inside = start < end ? current >= start && current < end : current >= start || current < end;
	if (!inside) return nowMs;
	// Ends today when the window has not crossed midnight yet or started yesterday; else tomorrow.
	const endDate = start < end || current < end ? now.toPlainDate() : now.toPlainDate().add({ days: 1 });
	const release = endDate.toZonedDateTime({ timeZone: timezone, plainTime: Temporal.PlainTime.from(quiet.endsLocal) });
	return Math.max(nowMs, release.epochMilliseconds);
}
