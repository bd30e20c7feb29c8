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

export function deviceTimezone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
