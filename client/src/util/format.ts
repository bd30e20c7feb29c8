export function formatClock(elapsedMs: number): string {
	const totalSeconds = Math.max(0, Math.floor(elapsedMs / 1000));
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	const seconds = totalSeconds % 60;
	const twoDigits = (value: number) => String(value).padStart(2, "0");
	return hours > 0
		? `${hours}:${twoDigits(minutes)}:${twoDigits(seconds)}`
		: `${twoDigits(minutes)}:${twoDigits(seconds)}`;
}

export function formatMinutes(durationMinutes: number): string {
	if (durationMinutes < 1) return "under 1 min";
	if (durationMinutes < 60) return `${durationMinutes} min`;
	const hours = Math.floor(durationMinutes / 60);
	const minutes = durationMinutes % 60;
	return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

export function formatDateTime(iso: string): string {
	return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function minutesBetween(startedAt: string, endedAt: string): number {
	return Math.round((Date.parse(endedAt) - Date.parse(startedAt)) / 60_000);
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function calendarDateIn(timeZone: string, instant: Date): string {
	// The Canadian English format is ISO's year-month-day.
	return instant.toLocaleDateString("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
}

/** The last `days` calendar days, today included, in a time zone (a range for the dashboard). */
export function lastCalendarDays(days: number, tz: string, now = new Date()): { from: string; to: string; tz: string } {
	const from = new Date(now.getTime() - (days - 1) * 24 * 60 * 60 * 1000);
	return { from: calendarDateIn(tz, from), to: calendarDateIn(tz, now), tz };
}

export function deviceTimezone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Units as the analysis names them at the end of a metric key, and how a student reads them. */
const METRIC_UNITS: Array<[suffix: string, unit: string]> = [
	["RadPerS", "rad/s"],
	["Percent", "%"],
	["Bpm", "BPM"],
	["Db", "dB"],
	["Hz", "Hz"],
	["Cents", "cents"],
	["Ms", "ms"],
	["S", "s"]
];

/** "dynamicRangeDb" → "Dynamic range (dB)"; also accepts snake_case. */
export function metricLabel(key: string): string {
	const camel = key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
	const unit = METRIC_UNITS.find(([suffix]) => camel.endsWith(suffix) && camel.length > suffix.length);
	const name = unit ? camel.slice(0, -unit[0].length) : camel;
	const words = name
		.replace(/([A-Z])/g, " $1")
		.toLowerCase()
		.trim();
	const sentence = words.charAt(0).toUpperCase() + words.slice(1);
	return unit ? `${sentence} (${unit[1]})` : sentence;
}

export function formatMetricValue(value: number | null): string {
	return value === null ? "—" : String(Math.round(value * 100) / 100);
}
