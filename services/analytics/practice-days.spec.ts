import { describe, expect, it } from "vitest";
import { addDays, daysBetween, isCalendarDate, isoWeekday, practiceStreakDays } from "./practice-days";

describe("practice days", () => {
	it("counts the streak back from today", () => {
		expect(practiceStreakDays(new Set(["2026-11-24", "2026-11-25", "2026-11-26"]), "2026-11-26")).toBe(3);
	});

	it("keeps yesterday's streak while today has no practice yet, and breaks it after a missed day", () => {
		const days = new Set(["2026-11-23", "2026-11-24", "2026-11-25"]);
		expect(practiceStreakDays(days, "2026-11-26")).toBe(3);
		expect(practiceStreakDays(days, "2026-11-27")).toBe(0);
	});

	it("walks calendar days across month, year and leap-day boundaries", () => {
		expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
		expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
		expect(daysBetween("2026-03-28", "2026-04-02")).toEqual(["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"]);
	});

	it("accepts only dates that exist", () => {
		expect(["2026-02-28", "2028-02-29"].map(isCalendarDate)).toEqual([true, true]);
		expect(["2026-02-29", "2026-13-01", "2026-1-01", "yesterday"].map(isCalendarDate)).toEqual([false, false, false, false]);
	});

	it("counts days as the Gregorian calendar does, every day from 1600 to 2400, and names their weekdays", () => {
		const DAY_MS = 86_400_000;
		const first = Date.UTC(1600, 0, 1) / DAY_MS;
		const last = Date.UTC(2400, 11, 31) / DAY_MS;
		let date = "1600-01-01";
		for (let day = first; day <= last; day++) {
			const expected = new Date(day * DAY_MS).toISOString().slice(0, 10);
			if (date !== expected) throw new Error(`day ${day}: ${date}, expected ${expected}`);
			if (isoWeekday(date) !== (new Date(day * DAY_MS).getUTCDay() || 7)) throw new Error(`weekday of ${date}`);
			date = addDays(date, 1);
		}
		expect(addDays("2400-12-31", -(last - first))).toBe("1600-01-01");
		expect(isoWeekday("2026-12-01")).toBe(2);
	});
});
