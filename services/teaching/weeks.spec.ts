import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { datesEndingOn, endOfLocalDay, isoWeekOf, localToday, weeklyProgress, type PracticeDay } from "./weeks";

const day = (date: string, minutes: number, focus = "scales"): PracticeDay => ({ date, focus, minutes, sessions: 1 });

describe("a person's days and weeks", () => {
	it("takes today from the person's zone, not the process's", () => {
		const instant = new Date("2026-03-29T22:30:00Z");
		expect(localToday("Europe/Vienna", instant)).toBe("2026-03-30");
		expect(localToday("America/Los_Angeles", instant)).toBe("2026-03-29");
		expect(localToday("Pacific/Auckland", instant)).toBe("2026-03-30");
	});

	it("runs ISO weeks from Monday to Sunday", () => {
		expect(isoWeekOf("2026-12-06")).toEqual({ weekStart: "2026-11-30", weekEnd: "2026-12-06" });
		expect(isoWeekOf("2026-11-30")).toEqual({ weekStart: "2026-11-30", weekEnd: "2026-12-06" });
		expect(isoWeekOf("2027-01-01")).toEqual({ weekStart: "2026-12-28", weekEnd: "2027-01-03" });
	});

	it("ends a due date at 23:59:59 local, on the 23- and 25-hour days of daylight-saving changes too", () => {
		expect(endOfLocalDay("2026-03-29", "Europe/Vienna")).toBe("2026-03-29T21:59:59Z");
		expect(endOfLocalDay("2026-03-28", "Europe/Vienna")).toBe("2026-03-28T22:59:59Z");
		expect(endOfLocalDay("2026-11-01", "America/Los_Angeles")).toBe("2026-11-02T07:59:59Z");
		expect(endOfLocalDay("2026-04-05", "Pacific/Auckland")).toBe("2026-04-05T11:59:59Z");
		expect(endOfLocalDay("2026-12-04", "Pacific/Auckland")).toBe("2026-12-04T10:59:59Z");
	});

	it("lists the days of a heat-map by the calendar, oldest first", () => {
		expect(datesEndingOn("2026-03-31", 4)).toEqual(["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]);
	});
});

describe("progress against a weekly goal", () => {
	const days = [day("2026-11-29", 300), day("2026-11-30", 100), day("2026-12-01", 100, "repertoire"), day("2026-12-02", 100)];

	it("counts minutes and days of this week only, and of the goal's focus when it has one", () => {
		expect(weeklyProgress({ minutesPerWeek: 600, daysPerWeek: 5, focus: null }, days, "2026-12-03")).toMatchObject({
			weekStart: "2026-11-30",
			weekEnd: "2026-12-06",
			minutesDone: 300,
			daysDone: 3,
			met: false
		});
		expect(weeklyProgress({ minutesPerWeek: 600, daysPerWeek: null, focus: "scales" }, days, "2026-12-03")).toMatchObject({ minutesDone: 200, daysDone: 2 });
	});

	it("is on track while the minutes keep pace with the days already over and enough days are left", () => {
		// Thursday: three whole days are over, 3/7 of 700 minutes is 300.
		expect(weeklyProgress({ minutesPerWeek: 700, daysPerWeek: null, focus: null }, days, "2026-12-03").onTrack).toBe(true);
		expect(weeklyProgress({ minutesPerWeek: 701, daysPerWeek: null, focus: null }, days, "2026-12-03").onTrack).toBe(false);
		// Thursday to Sunday still possible: 3 done + 4 = 7.
		expect(weeklyProgress({ minutesPerWeek: null, daysPerWeek: 7, focus: null }, days, "2026-12-03").onTrack).toBe(true);
		// Sunday with 3 days done and today unpractised: at most 4 of 5.
		expect(weeklyProgress({ minutesPerWeek: null, daysPerWeek: 5, focus: null }, days, "2026-12-06").onTrack).toBe(false);
		// Monday, nothing yet: nothing is behind.
		expect(weeklyProgress({ minutesPerWeek: 700, daysPerWeek: 7, focus: null }, [], "2026-11-30").onTrack).toBe(true);
	});

	it("is met once every target is reached, whatever the day", () => {
		const met = weeklyProgress({ minutesPerWeek: 300, daysPerWeek: 3, focus: null }, days, "2026-12-02");
		expect(met).toMatchObject({ met: true, onTrack: true });
	});
});

describe("a person's calendar date", () => {
	it("is each zone's date at any instant as Temporal gives it, hour by hour over two years in far zones, hour by hour over two years in far zones", () => {
		const zones = ["Pacific/Auckland", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "Asia/Kolkata", "Europe/Vienna", "UTC"];
		const start = Date.UTC(2026, 0, 1);
		for (const timezone of zones) {
			for (let hour = 0; hour < 2 * 366 * 24; hour += 1) {
				const now = new Date(start + hour * 3_600_000 + 59 * 60_000);
				const expected = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timezone).toPlainDate().toString();
				if (localToday(timezone, now) !== expected) throw new Error(`${timezone} at ${now.toISOString()}: ${localToday(timezone, now)}, expected ${expected}`);
			}
		}
		expect(localToday("Pacific/Kiritimati", new Date("2026-12-01T10:30:00Z"))).toBe("2026-12-02");
	});
});
