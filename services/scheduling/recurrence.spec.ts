import { describe, expect, it } from "vitest";
import { findClash, occurrencesOf, type SeriesWithExceptions } from "./occurrences";
import { endRuleBefore, expandSeries, fromRrule, instantToLocal, localToInstantMs, occurrencesBefore, seriesSpan, toRrule, type SeriesTiming } from "./recurrence";

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function weekly(startLocal: string, timezone: string, extra: Partial<SeriesTiming> = {}): SeriesTiming {
	return { startLocal, timezone, durationMinutes: 45, rrule: toRrule({ frequency: "weekly", interval: 1 }, startLocal, timezone), ...extra };
}

describe("recurrence on the wall clock", () => {
	it("runs in the process time zone its test project sets (vitest.config.ts)", () => {
		const offsetMinutes: Record<string, number> = { UTC: 0, "America/New_York": 300, "Asia/Kolkata": -330 };
		expect(Object.keys(offsetMinutes)).toContain(process.env.TZ);
		expect(new Date(2026, 0, 15, 12).getTimezoneOffset()).toBe(offsetMinutes[process.env.TZ!]);
	});

	it("expansion does not depend on the process time zone (this suite runs under several TZ values)", () => {
		// Same answer whatever TZ the process has; the project matrix sets TZ per run.
		const occurrences = expandSeries(weekly("2026-09-20T16:00", "Australia/Sydney"), utc("2026-09-01T00:00Z"), utc("2026-10-20T00:00Z"));
		expect(occurrences.map((o) => iso(o.startMs))).toEqual([
			"2026-09-20T06:00:00.000Z",
			"2026-09-27T06:00:00.000Z",
			"2026-10-04T05:00:00.000Z",
			"2026-10-11T05:00:00.000Z",
			"2026-10-18T05:00:00.000Z"
		]);
	});

	it("a weekly 16:00 lesson in Sydney stays 16:00 local across the first Sunday of October", () => {
		const occurrences = expandSeries(weekly("2026-09-20T16:00", "Australia/Sydney"), utc("2026-09-01T00:00Z"), utc("2026-10-20T00:00Z"));
		expect(occurrences.map((o) => instantToLocal(o.startMs, "Australia/Sydney"))).toEqual([
			"2026-09-20T16:00",
			"2026-09-27T16:00",
			"2026-10-04T16:00",
			"2026-10-11T16:00",
			"2026-10-18T16:00"
		]);
		// The UTC offset changed from +10 to +11 on 2026-10-04.
		expect(occurrences[1]!.startMs - occurrences[0]!.startMs).toBe(7 * 86_400_000);
		expect(occurrences[2]!.startMs - occurrences[1]!.startMs).toBe(7 * 86_400_000 - 3_600_000);
	});

	it("keeps 10:00 New York across 2025-03-09 and 00:00 London across 2020-03-29", () => {
		const newYork = expandSeries(weekly("2025-03-02T10:00", "America/New_York"), utc("2025-03-01T00:00Z"), utc("2025-03-17T00:00Z"));
		expect(newYork.map((o) => iso(o.startMs))).toEqual(["2025-03-02T15:00:00.000Z", "2025-03-09T14:00:00.000Z", "2025-03-16T14:00:00.000Z"]);
		const london = expandSeries(weekly("2020-03-22T00:00", "Europe/London"), utc("2020-03-20T00:00Z"), utc("2020-04-06T00:00Z"));
		expect(london.map((o) => instantToLocal(o.startMs, "Europe/London"))).toEqual(["2020-03-22T00:00", "2020-03-29T00:00", "2020-04-05T00:00"]);
	});

	it("a lesson at 02:30 on a spring-forward day moves to 03:30 (Temporal's compatible policy), it is not dropped", () => {
		const occurrences = expandSeries(weekly("2026-03-01T02:30", "America/New_York"), utc("2026-03-01T00:00Z"), utc("2026-03-20T00:00Z"));
		expect(occurrences.map((o) => instantToLocal(o.startMs, "America/New_York"))).toEqual(["2026-03-01T02:30", "2026-03-08T03:30", "2026-03-15T02:30"]);
		expect(iso(occurrences[1]!.startMs)).toBe("2026-03-08T07:30:00.000Z");
	});

	it("a lesson at 01:30 on a fall-back day happens once, at the first 01:30 (EDT)", () => {
		const occurrences = expandSeries(weekly("2026-10-25T01:30", "America/New_York"), utc("2026-10-24T00:00Z"), utc("2026-11-09T00:00Z"));
		expect(occurrences.map((o) => iso(o.startMs))).toEqual(["2026-10-25T05:30:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-08T06:30:00.000Z"]);
	});

	it("every other week on Monday and Thursday, monthly on the second Tuesday, until a local date or a count", () => {
		const timezone = "Europe/London";
		const everyOther = { startLocal: "2026-10-05T16:00", timezone, durationMinutes: 30, rrule: toRrule({ frequency: "weekly", interval: 2, weekdays: ["TH", "MO"] }, "2026-10-05T16:00", timezone) };
		expect(everyOther.rrule).toBe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH");
		expect(expandSeries(everyOther, utc("2026-10-01T00:00Z"), utc("2026-10-31T00:00Z")).map((o) => instantToLocal(o.startMs, timezone).slice(0, 10))).toEqual([
			"2026-10-05",
			"2026-10-08",
			"2026-10-19",
			"2026-10-22"
		]);

		const monthlyRule = toRrule({ frequency: "monthly", interval: 1, until: "2026-12-08" }, "2026-10-13T17:00", "Europe/Vienna");
		expect(monthlyRule).toBe("FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261208T225959Z");
		const monthly = { startLocal: "2026-10-13T17:00", timezone: "Europe/Vienna", durationMinutes: 60, rrule: monthlyRule };
		expect(expandSeries(monthly, utc("2026-01-01T00:00Z"), utc("2028-01-01T00:00Z")).map((o) => instantToLocal(o.startMs, "Europe/Vienna"))).toEqual([
			"2026-10-13T17:00",
			"2026-11-10T17:00",
			"2026-12-08T17:00"
		]);
		expect(fromRrule(monthlyRule, "Europe/Vienna")).toEqual({ frequency: "monthly", interval: 1, weekdayOrdinal: 2, until: "2026-12-08" });

		const counted = weekly("2026-10-05T16:00", timezone, { rrule: toRrule({ frequency: "weekly", interval: 1, count: 3 }, "2026-10-05T16:00", timezone) });
		expect(expandSeries(counted, utc("2026-01-01T00:00Z"), utc("2028-01-01T00:00Z"))).toHaveLength(3);
		expect(instantToLocal(seriesSpan(counted).endMs!, timezone)).toBe("2026-10-19T16:45");
		expect(seriesSpan(weekly("2026-10-05T16:00", timezone)).endMs).toBeNull();
	});

	it("a fifth weekday of the month is written as the last one", () => {
		expect(toRrule({ frequency: "monthly", interval: 1 }, "2026-10-30T17:00", "Europe/Vienna")).toBe("FREQ=MONTHLY;BYDAY=-1FR");
	});

	it("ending a rule before an occurrence keeps everything before it", () => {
		const series = weekly("2026-10-05T16:00", "Europe/London");
		const splitAt = localToInstantMs("2026-10-26T16:00", "Europe/London");
		const ended = { ...series, rrule: endRuleBefore(series.rrule!, splitAt) };
		expect(expandSeries(ended, utc("2026-10-01T00:00Z"), utc("2027-01-01T00:00Z")).map((o) => instantToLocal(o.startMs, "Europe/London").slice(0, 10))).toEqual([
			"2026-10-05",
			"2026-10-12",
			"2026-10-19"
		]);
		expect(occurrencesBefore(series, splitAt)).toBe(3);
	});
});

describe("occurrences with exceptions and clashes", () => {
	const series: SeriesWithExceptions = {
		id: "a",
		...weekly("2026-10-05T16:00", "Europe/Vienna"),
		exceptions: [
			{ originalStartMs: localToInstantMs("2026-10-12T16:00", "Europe/Vienna"), status: "cancelled", startLocal: null, durationMinutes: null, sequence: 1 },
			// Moved from inside the window to outside it, and from outside (Nov 2) into it.
			{ originalStartMs: localToInstantMs("2026-10-19T16:00", "Europe/Vienna"), status: "moved", startLocal: "2026-11-20T09:00", durationMinutes: 60, sequence: 1 },
			{ originalStartMs: localToInstantMs("2026-11-02T16:00", "Europe/Vienna"), status: "moved", startLocal: "2026-10-21T18:00", durationMinutes: null, sequence: 2 }
		]
	};

	it("drops cancelled occurrences and shows moved ones at their new time", () => {
		const found = occurrencesOf(series, utc("2026-10-01T00:00Z"), utc("2026-10-27T00:00Z"));
		expect(found.map((o) => [instantToLocal(o.startMs, "Europe/Vienna"), o.status])).toEqual([
			["2026-10-05T16:00", "scheduled"],
			["2026-10-21T18:00", "moved"],
			["2026-10-26T16:00", "scheduled"]
		]);
		expect(occurrencesOf(series, utc("2026-10-01T00:00Z"), utc("2026-10-27T00:00Z"), { includeCancelled: true }).map((o) => o.status)).toContain("cancelled");
	});

	it("finds the first overlap with another series; back-to-back lessons do not clash", () => {
		const other: SeriesWithExceptions = { id: "b", ...weekly("2026-10-21T18:30", "Europe/Vienna", { rrule: null }), exceptions: [] };
		const adjacent: SeriesWithExceptions = { id: "c", ...weekly("2026-10-05T16:45", "Europe/Vienna"), exceptions: [] };
		const window = [utc("2026-10-01T00:00Z"), utc("2026-12-01T00:00Z")] as const;
		const mine = occurrencesOf(series, ...window);
		expect(findClash(mine, occurrencesOf(adjacent, ...window))).toBeUndefined();
		const clash = findClash(mine, [...occurrencesOf(other, ...window), ...mine]);
		expect(clash?.clash.seriesId).toBe("b");
		expect(clash?.candidate.status).toBe("moved");
	});
});
