/** Calendar dates as "YYYY-MM-DD" strings: local days of whatever time zone the caller meant. */

const DAY_MS = 86_400_000;

function toDayNumber(date: string): number {
	return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function fromDayNumber(day: number): string {
	return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** True for real dates only: "2026-02-30" is refused, not rolled over into March. */
export function isCalendarDate(value: string): boolean {
	return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && fromDayNumber(toDayNumber(value)) === value;
}

export function addDays(date: string, days: number): string {
	return fromDayNumber(toDayNumber(date) + days);
}

/** Every date from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
	const dates: string[] = [];
	for (let day = toDayNumber(from); day <= toDayNumber(to); day++) dates.push(fromDayNumber(day));
	return dates;
}

/**
 * Consecutive practice days ending on `today`, or on the day before when nothing is logged today
 * yet: an evening's practice still to come does not break the streak.
 */
export function practiceStreakDays(practiceDates: ReadonlySet<string>, today: string): number {
	let day = practiceDates.has(today) ? today : addDays(today, -1);
	let streakDays = 0;
	while (practiceDates.has(day)) {
		streakDays++;
		day = addDays(day, -1);
	}
	return streakDays;
}
