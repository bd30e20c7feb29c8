import { describe, expect, it } from "vitest";
import { quietHoursRelease } from "./quiet-hours";

const at = (iso: string) => Date.parse(iso);

describe("quiet hours", () => {
	const night = { startsLocal: "22:00", endsLocal: "07:00" };

	it("holds a push sent at 23:30 in Vienna until 07:00 the next morning there", () => {
		expect(new Date(quietHoursRelease(night, "Europe/Vienna", at("2026-12-01T22:30:00Z"))).toISOString()).toBe("2026-12-02T06:00:00.000Z");
	});

	it("holds a push sent after midnight until 07:00 the same day, in the recipient's zone and not the server's", () => {
		expect(new Date(quietHoursRelease(night, "America/New_York", at("2026-12-02T08:00:00Z"))).toISOString()).toBe("2026-12-02T12:00:00.000Z");
	});

	it("lets a push outside the window go at once", () => {
		const now = at("2026-12-01T12:00:00Z");
		expect(quietHoursRelease(night, "Europe/Vienna", now)).toBe(now);
		expect(quietHoursRelease({ startsLocal: "13:00", endsLocal: "15:00" }, "Europe/Vienna", at("2026-12-01T11:59:00Z"))).toBe(at("2026-12-01T11:59:00Z"));
	});

	it("handles a window within one day", () => {
		expect(new Date(quietHoursRelease({ startsLocal: "13:00", endsLocal: "15:00" }, "Asia/Kolkata", at("2026-12-01T08:00:00Z"))).toISOString()).toBe("2026-12-01T09:30:00.000Z");
	});

	it("ends on the wall clock across a DST change (Sydney, first Sunday of October)", () => {
		// 22:00 on 3 Oct is AEST (+10); 07:00 on 4 Oct is AEDT (+11).
		expect(new Date(quietHoursRelease(night, "Australia/Sydney", at("2026-10-03T13:00:00Z"))).toISOString()).toBe("2026-10-03T20:00:00.000Z");
	});

	it("releases at the first instant after a skipped end time (spring forward)", () => {
		const release = quietHoursRelease({ startsLocal: "01:00", endsLocal: "02:30" }, "America/New_York", at("2026-03-08T06:30:00Z"));
		expect(new Date(release).toISOString()).toBe("2026-03-08T07:30:00.000Z");
	});
});
