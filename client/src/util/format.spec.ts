import { describe, expect, it } from "vitest";
import { formatClock, formatMinutes, minutesBetween } from "./format";

describe("formatting", () => {
	it("shows minutes and seconds under an hour and adds hours after", () => {
		expect(formatClock(65_000)).toBe("01:05");
		expect(formatClock(3_725_000)).toBe("1:02:05");
	});

	it("never shows a negative clock", () => {
		expect(formatClock(-500)).toBe("00:00");
	});

	it("writes durations in minutes and hours", () => {
		expect(formatMinutes(0)).toBe("under 1 min");
		expect(formatMinutes(45)).toBe("45 min");
		expect(formatMinutes(120)).toBe("2 h");
		expect(formatMinutes(95)).toBe("1 h 35 min");
	});

	it("counts whole minutes between two instants", () => {
		expect(minutesBetween("2026-11-26T10:00:00Z", "2026-11-26T10:30:20Z")).toBe(30);
	});
});
