import { expandSeries, localToInstantMs, type SeriesTiming } from "./recurrence";

/** One occurrence changed on its own, identified by its original start. */
export interface LessonException {
	originalStartMs: number;
	status: "cancelled" | "moved";
	/** Moved: the new wall-clock start in the lesson's zone. */
	startLocal: string | null;
	/** Moved: a new length, or null to keep the series'. */
	durationMinutes: number | null;
	/** Bumped on every change of this occurrence (iCalendar SEQUENCE of its override). */
	sequence: number;
}

export interface SeriesWithExceptions extends SeriesTiming {
	id: string;
	exceptions: LessonException[];
}

export interface Occurrence {
	seriesId: string;
	originalStartMs: number;
	startMs: number;
	endMs: number;
	status: "scheduled" | "moved" | "cancelled";
}

const MINUTE_MS = 60_000;

export function movedTimes(series: SeriesTiming, exception: LessonException): { startMs: number; endMs: number } {
	const startMs = localToInstantMs(exception.startLocal!, series.timezone);
	return { startMs, endMs: startMs + (exception.durationMinutes ?? series.durationMinutes) * MINUTE_MS };
}

/**
 * The occurrences of a series that overlap [fromMs, toMs), exceptions applied: a moved
 * occurrence appears at its new time (even when its original time lies outside the window),
 * a cancelled one only when asked for.
 */
export function occurrencesOf(series: SeriesWithExceptions, fromMs: number, toMs: number, options: { includeCancelled?: boolean } = {}): Occurrence[] {
	const exceptions = new Map(series.exceptions.map((exception) => [exception.originalStartMs, exception]));
	const result: Occurrence[] = [];
	for (const planned of expandSeries(series, fromMs, toMs)) {
		const exception = exceptions.get(planned.originalStartMs);
		if (exception?.status === "moved") continue;
		if (exception?.status === "cancelled" && !options.includeCancelled) continue;
		result.push({ seriesId: series.id, originalStartMs: planned.originalStartMs, startMs: planned.startMs, endMs: planned.endMs, status: exception ? "cancelled" : "scheduled" });
	}
	for (const exception of series.exceptions) {
		if (exception.status !== "moved") continue;
		const { startMs, endMs } = movedTimes(series, exception);
		if (startMs < toMs && endMs > fromMs) result.push({ seriesId: series.id, originalStartMs: exception.originalStartMs, startMs, endMs, status: "moved" });
	}
	return result.sort((a, b) => a.startMs - b.startMs || a.seriesId.localeCompare(b.seriesId));
}

/** One occurrence by its identity, exceptions applied (a cancelled one says so). */
export function occurrenceOf(series: SeriesWithExceptions, originalStartMs: number): Occurrence | undefined {
	const exception = series.exceptions.find((candidate) => candidate.originalStartMs === originalStartMs);
	if (exception?.status === "moved") return { seriesId: series.id, originalStartMs, ...movedTimes(series, exception), status: "moved" };
	const planned = expandSeries(series, originalStartMs, originalStartMs + 1).find((occurrence) => occurrence.originalStartMs === originalStartMs);
	return planned && { seriesId: series.id, originalStartMs, startMs: planned.startMs, endMs: planned.endMs, status: exception ? "cancelled" : "scheduled" };
}

/**
 * The first occurrence of `others` that overlaps one of `candidates` (back-to-back lessons do not
 * clash), with the candidate it clashes with. A series never clashes with itself, so the series
 * being edited may be among `others`.
 */
export function findClash(candidates: Occurrence[], others: Occurrence[]): { candidate: Occurrence; clash: Occurrence } | undefined {
	const sorted = others.filter((other) => other.status !== "cancelled").sort((a, b) => a.startMs - b.startMs);
	for (const candidate of candidates) {
		if (candidate.status === "cancelled") continue;
		for (const other of sorted) {
			if (other.startMs >= candidate.endMs) break;
			if (other.seriesId !== candidate.seriesId && other.endMs > candidate.startMs) return { candidate, clash: other };
		}
	}
	return undefined;
}
