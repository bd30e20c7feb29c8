/** Calendar arithmetic on "YYYY-MM-DD" dates: date-only values, so no time zone can shift them. */

const DAY_MS = 86_400_000;

function toDate(date: string): Date {
	return new Date(`${date}T00:00:00Z`);
}

export function addDays(date: string, days: number): string {
	return new Date(toDate(date).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
	return Math.round((toDate(to).getTime() - toDate(from).getTime()) / DAY_MS);
}

/** The Monday of the ISO week a date falls in. */
export function mondayOf(date: string): string {
	const weekday = (toDate(date).getUTCDay() + 6) % 7;
	return addDays(date, -weekday);
}

export function weekOf(monday: string): string[] {
	return Array.from({ length: 7 }, (_, index) => addDays(monday, index));
}

/** "Tue 6 Oct" */
export function dayLabel(date: string): string {
	return toDate(date).toLocaleDateString(undefined, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
}

/** "16:00" from "2026-10-06T16:00" */
export function clockOf(localDateTime: string): string {
	return localDateTime.slice(11, 16);
}
