/** Calendar dates as "YYYY-MM-DD" strings: local days of whatever time zone the caller meant. */

/**
 * Days since 1970-01-01 in the proleptic Gregorian calendar, by integer arithmetic (H. Hinnant's
 * days_from_civil): a roster turns thousands of dates into day numbers per request, and parsing
 * each through Date cost more than its SQL.
 */
function toDayNumber(date: string): number {
	const year = Number(date.slice(0, 4));
	const month = Number(date.slice(5, 7));
	const day = Number(date.slice(8, 10));
	const marchYear = month <= 2 ? year - 1 : year;
	const era = Math.floor(marchYear / 400);
	const yearOfEra = marchYear - era * 400;
	const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
	const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
	return era * 146_097 + dayOfEra - 719_468;
}

/** The inverse of toDayNumber (civil_from_days). */
function fromDayNumber(dayNumber: number): string {
	const shifted = dayNumber + 719_468;
	const era = Math.floor(shifted / 146_097);
	const dayOfEra = shifted - era * 146_097;
	const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
	const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
	const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
	const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
	const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
	const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
	return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** True for real dates only: "2026-02-30" is refused, not rolled over into March. */
export function isCalendarDate(value: string): boolean {
	return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && fromDayNumber(toDayNumber(value)) === value;
}

/** The ISO weekday of a date: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(date: string): number {
	return ((((toDayNumber(date) + 3) % 7) + 7) % 7) + 1;
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
