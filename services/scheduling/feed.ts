import ical from "ical-generator";
import { Temporal } from "temporal-polyfill";
import { tzlib_get_ical_block } from "timezones-ical-library";
import { movedTimes, type SeriesWithExceptions } from "./occurrences";
import { expandSeries, instantToLocal, localToInstantMs } from "./recurrence";

export interface FeedSeries extends SeriesWithExceptions {
	title: string;
	location: string;
	onlineUrl: string | null;
	notes: string;
	/** Bumped whenever the series' times change (iCalendar SEQUENCE). */
	sequence: number;
}

export interface FeedOptions {
	calendarName: string;
	/** The host part of every UID, fixed per deployment so UIDs never change between fetches. */
	uidDomain: string;
	generatedAtMs: number;
	/** Spring-forward shifts are written out explicitly within this window (see gapShiftedStarts). */
	horizonMs?: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 366 * 86_400_000;

export function seriesUid(seriesId: string, uidDomain: string): string {
	return `lesson-series-${seriesId}@${uidDomain}`;
}

function zoned(epochMs: number, timezone: string): Temporal.ZonedDateTime {
	return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timezone);
}

/** "20261004T160000" from "2026-10-04T16:00". */
function icalLocal(localStart: string): string {
	return `${localStart.replace(/[-:]/g, "")}00`;
}

/**
 * Occurrences whose wall-clock time falls into a spring-forward gap, with the nominal local time
 * the RRULE generates and the instant our policy gives them. RFC 5545 tells clients to drop such
 * an instance; we keep it an hour later, so the feed says so explicitly: EXDATE on the nominal
 * time and RDATE on the real one (read the same by clients that drop and by clients that shift).
 */
function gapShiftedStarts(series: SeriesWithExceptions, fromMs: number, toMs: number): Array<{ nominalLocal: string; startMs: number }> {
	const shifted: Array<{ nominalLocal: string; startMs: number }> = [];
	// Only the days of the zone's spring-forward transitions can hold such an occurrence.
	let cursor = zoned(fromMs, series.timezone);
	for (;;) {
		const transition = cursor.getTimeZoneTransition("next");
		if (!transition || transition.epochMilliseconds >= toMs) break;
		if (transition.offsetNanoseconds > transition.subtract({ nanoseconds: 1 }).offsetNanoseconds) {
			for (const occurrence of expandSeries(series, transition.epochMilliseconds - DAY_MS, transition.epochMilliseconds + DAY_MS)) {
				if (instantToLocal(occurrence.startMs, series.timezone) !== occurrence.localStart) shifted.push({ nominalLocal: occurrence.localStart, startMs: occurrence.startMs });
			}
		}
		cursor = transition;
	}
	return shifted;
}

/**
 * A person's lessons as an iCalendar feed: one VEVENT per series with a stable UID, its RRULE,
 * EXDATE for cancelled occurrences, and an override (same UID + RECURRENCE-ID) per moved
 * occurrence. Times carry TZID, with a VTIMEZONE for every zone used. ical-generator folds lines
 * at 75 octets without splitting a multi-byte character.
 */
export function buildFeed(seriesList: FeedSeries[], options: FeedOptions): string {
	const calendar = ical({
		name: options.calendarName,
		prodId: { company: "Etude", product: "Lessons", language: "EN" },
		ttl: 3600,
		timezone: { name: null, generator: (timezone) => tzlib_get_ical_block(timezone)[0] ?? null }
	});
	const stamp = zoned(options.generatedAtMs, "UTC");
	const horizonFrom = options.generatedAtMs - YEAR_MS;
	const horizonTo = options.generatedAtMs + (options.horizonMs ?? 2 * YEAR_MS);

	for (const series of seriesList) {
		const uid = seriesUid(series.id, options.uidDomain);
		const startMs = localToInstantMs(series.startLocal, series.timezone);
		const description = [series.notes, series.onlineUrl ?? ""].filter(Boolean).join("\n\n");
		const common = {
			id: uid,
			summary: series.title,
			location: series.location || series.onlineUrl || null,
			description: description || null,
			url: series.onlineUrl,
			timezone: series.timezone,
			stamp
		};

		const recurrenceLines: string[] = [];
		if (series.rrule) {
			recurrenceLines.push(`RRULE:${series.rrule}`);
			const gaps = gapShiftedStarts(series, horizonFrom, horizonTo);
			const gapStarts = new Set(gaps.map((gap) => gap.startMs));
			const cancelledStarts = new Set(series.exceptions.filter((exception) => exception.status === "cancelled").map((exception) => exception.originalStartMs));
			const excluded = [
				...gaps.map((gap) => gap.nominalLocal),
				...[...cancelledStarts].filter((startMs) => !gapStarts.has(startMs)).map((startMs) => instantToLocal(startMs, series.timezone))
			];
			if (excluded.length > 0) recurrenceLines.push(`EXDATE;TZID=${series.timezone}:${excluded.map(icalLocal).join(",")}`);
			const added = gaps.filter((gap) => !cancelledStarts.has(gap.startMs)).map((gap) => instantToLocal(gap.startMs, series.timezone));
			if (added.length > 0) recurrenceLines.push(`RDATE;TZID=${series.timezone}:${added.map(icalLocal).join(",")}`);
		}

		calendar.createEvent({
			...common,
			sequence: series.sequence,
			start: zoned(startMs, series.timezone),
			end: zoned(startMs + series.durationMinutes * MINUTE_MS, series.timezone),
			repeating: recurrenceLines.length > 0 ? recurrenceLines.join("\n") : null
		});

		for (const exception of series.exceptions) {
			if (exception.status !== "moved") continue;
			const moved = movedTimes(series, exception);
			calendar.createEvent({
				...common,
				sequence: series.sequence + exception.sequence,
				// The instant's own wall clock: for a gap-shifted occurrence that is its RDATE, not the nominal time.
				recurrenceId: zoned(exception.originalStartMs, series.timezone),
				start: zoned(moved.startMs, series.timezone),
				end: zoned(moved.endMs, series.timezone)
			});
		}
	}
	return calendar.toString();
}
