import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { buildFeed, type FeedSeries } from "./feed";
import { occurrencesOf } from "./occurrences";
import { localToInstantMs, toRrule } from "./recurrence";

const options = { calendarName: "Etude lessons", uidDomain: "etude.test", generatedAtMs: Date.parse("2026-09-01T00:00:00Z") };

function series(overrides: Partial<FeedSeries> = {}): FeedSeries {
	const startLocal = overrides.startLocal ?? "2026-09-20T16:00";
	const timezone = overrides.timezone ?? "Australia/Sydney";
	return {
		id: "7d0c2f39-1e53-4c43-9a55-2a0bb5a3d001",
		title: "Violin — collé bowing, détaché, martelé, spiccato, sautillé and ricochet in the étude",
		location: "Studio 3",
		onlineUrl: null,
		notes: "Bring the Kreutzer; études 2, 7",
		sequence: 0,
		startLocal,
		timezone,
		durationMinutes: 45,
		rrule: toRrule({ frequency: "weekly", interval: 1 }, startLocal, timezone),
		exceptions: [],
		...overrides
	};
}

/** Occurrence starts of every event in the feed, as a calendar client expands them (ical.js). */
function parsedStarts(feed: string, fromMs: number, toMs: number): string[] {
	const calendar = new ICAL.Component(ICAL.parse(feed));
	for (const zone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
	const vevents = calendar.getAllSubcomponents("vevent").map((component) => new ICAL.Event(component));
	const masters = vevents.filter((event) => !event.isRecurrenceException());
	for (const exception of vevents.filter((event) => event.isRecurrenceException())) masters.find((master) => master.uid === exception.uid)!.relateException(exception);
	const starts: string[] = [];
	for (const master of masters) {
		const iterator = master.iterator();
		for (let next = iterator.next(); next; next = iterator.next()) {
			const details = master.getOccurrenceDetails(next);
			const startMs = details.startDate.toJSDate().getTime();
			if (startMs >= toMs) break;
			if (startMs >= fromMs) starts.push(new Date(startMs).toISOString());
		}
	}
	return starts.sort();
}

describe("the iCalendar feed", () => {
	it("parses back (ical.js) to the same occurrences the API expands, across Sydney's DST change, with a move and a cancellation", () => {
		const lesson = series({
			sequence: 2,
			exceptions: [
				{ originalStartMs: localToInstantMs("2026-09-27T16:00", "Australia/Sydney"), status: "cancelled", startLocal: null, durationMinutes: null, sequence: 1 },
				{ originalStartMs: localToInstantMs("2026-10-11T16:00", "Australia/Sydney"), status: "moved", startLocal: "2026-10-12T17:30", durationMinutes: 60, sequence: 1 }
			]
		});
		const feed = buildFeed([lesson], options);
		const from = Date.parse("2026-09-01T00:00:00Z");
		const to = Date.parse("2026-11-01T00:00:00Z");
		const expected = occurrencesOf(lesson, from, to).map((o) => new Date(o.startMs).toISOString());
		expect(parsedStarts(feed, from, to)).toEqual(expected);
		expect(expected).toContain("2026-10-04T05:00:00.000Z");

		expect(feed).toContain("UID:lesson-series-7d0c2f39-1e53-4c43-9a55-2a0bb5a3d001@etude.test");
		expect(feed).toContain("DTSTART;TZID=Australia/Sydney:20260920T160000");
		expect(feed).toContain("EXDATE;TZID=Australia/Sydney:20260927T160000");
		expect(feed).toContain("RECURRENCE-ID;TZID=Australia/Sydney:20261011T160000");
		expect(feed).toMatch(/BEGIN:VTIMEZONE\r\nTZID:Australia\/Sydney/);
		expect(feed).toContain("SEQUENCE:2\r\n");
		expect(feed).toContain("SEQUENCE:3\r\n");
	});

	it("keeps the spring-forward lesson an hour later in the feed, as the API does", () => {
		const lesson = series({ startLocal: "2026-03-01T02:30", timezone: "America/New_York", rrule: toRrule({ frequency: "weekly", interval: 1, count: 4 }, "2026-03-01T02:30", "America/New_York") });
		const feed = buildFeed([lesson], { ...options, generatedAtMs: Date.parse("2026-02-01T00:00:00Z") });
		const from = Date.parse("2026-02-01T00:00:00Z");
		const to = Date.parse("2026-04-01T00:00:00Z");
		expect(parsedStarts(feed, from, to)).toEqual(occurrencesOf(lesson, from, to).map((o) => new Date(o.startMs).toISOString()));
		expect(parsedStarts(feed, from, to)).toContain("2026-03-08T07:30:00.000Z");
	});

	it("writes a VTIMEZONE for every zone used and the same UIDs on every generation", () => {
		const vienna = series({ id: "7d0c2f39-1e53-4c43-9a55-2a0bb5a3d002", timezone: "Europe/Vienna", startLocal: "2026-09-21T09:00" });
		const first = buildFeed([series(), vienna], options);
		const second = buildFeed([series(), vienna], { ...options, generatedAtMs: options.generatedAtMs + 3_600_000 });
		expect(first.match(/BEGIN:VTIMEZONE/g)).toHaveLength(2);
		expect(first).toContain("TZID:Europe/Vienna");
		const uids = (feed: string) => feed.match(/^UID:.*$/gm);
		expect(uids(second)).toEqual(uids(first));
	});

	it("folds lines at 75 octets with CRLF, never inside a multi-byte character, and escapes text", () => {
		const feed = buildFeed([series()], options);
		const lines = feed.split("\r\n");
		expect(feed.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
		for (const line of lines) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
		expect(lines.some((line) => line.startsWith(" "))).toBe(true);
		// Decoding each physical line alone would show U+FFFD if a character had been cut in two.
		for (const line of lines) expect(Buffer.from(line, "utf8").toString("utf8")).not.toContain("\uFFFD");
		const unfolded = feed.replace(/\r\n /g, "");
		expect(unfolded).toContain("SUMMARY:Violin — collé bowing\\, détaché\\, martelé\\, spiccato\\, sautillé and ricochet in the étude");
		expect(unfolded).toContain("DESCRIPTION:Bring the Kreutzer\\; études 2\\, 7");
	});
});
