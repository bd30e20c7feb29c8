import { describe, expect, it } from "vitest";
import { calendarDateIn, formatClock, formatMetricValue, formatMinutes, metricLabel, minutesBetween } from "./format";

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

	it("gives the calendar date of an instant in the student's time zone", () => {
		const instant = new Date("2026-11-26T23:30:00Z");
		expect(calendarDateIn("UTC", instant)).toBe("2026-11-26");
		expect(calendarDateIn("Asia/Tokyo", instant)).toBe("2026-11-27");
		expect(calendarDateIn("America/Los_Angeles", instant)).toBe("2026-11-26");
	});

	it("names analysis metrics in words with their unit", () => {
		expect(metricLabel("dynamicRangeDb")).toBe("Dynamic range (dB)");
		expect(metricLabel("tempo_bpm")).toBe("Tempo (BPM)");
		expect(metricLabel("vibratoExtentCents")).toBe("Vibrato extent (cents)");
		expect(metricLabel("tempoCv")).toBe("Tempo cv");
		expect(metricLabel("bowStability")).toBe("Bow stability");
		expect(metricLabel("bowStabilityRmsRadPerS")).toBe("Bow stability rms (rad/s)");
		expect(metricLabel("clippedSamplePercent")).toBe("Clipped sample (%)");
	});

	it("rounds metric values to two decimals and shows a dash for a missing one", () => {
		expect(formatMetricValue(18.4567)).toBe("18.46");
		expect(formatMetricValue(null)).toBe("—");
	});
});
