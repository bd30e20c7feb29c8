import { describe, expect, it } from "vitest";
import { localToInstantMs, toRrule } from "./recurrence";
import { isStillPlannable, planLessonReminders, planPracticeReminders } from "./reminder-plan";

const HOUR_MS = 3_600_000;

function weeklySeries(startLocal: string, timezone: string) {
	return { id: "s1", teacherId: "t1", startLocal, timezone, durationMinutes: 45, rrule: toRrule({ frequency: "weekly", interval: 1 }, startLocal, timezone), exceptions: [] };
}

describe("reminder planning", () => {
	it("a reminder for a 01:30 lesson on a fall-back night is planned once per rule and person", () => {
		const series = weeklySeries("2026-10-25T01:30", "America/New_York");
		const now = Date.parse("2026-10-31T12:00:00Z");
		const planned = planLessonReminders(series, new Map([["student", [60]], ["t1", [60, 1440]]]), now);
		const forFallBack = planned.filter((reminder) => reminder.occurrenceStart.toISOString() === "2026-11-01T05:30:00.000Z");
		expect(forFallBack.map((reminder) => [reminder.recipientId, reminder.minutesBefore, reminder.dueAt.toISOString()]).sort()).toEqual([
			["student", 60, "2026-11-01T04:30:00.000Z"],
			["t1", 1440, "2026-10-31T05:30:00.000Z"],
			["t1", 60, "2026-11-01T04:30:00.000Z"]
		]);
		expect(new Set(planned.map((reminder) => reminder.messageKey)).size).toBe(planned.length);
	});

	it("a daily practice reminder at 01:30 on the fall-back day has one key for that day", () => {
		const planned = planPracticeReminders({ studentId: "s", localTime: "01:30", timezone: "America/New_York" }, Date.parse("2026-10-31T12:00:00Z"));
		const fallBack = planned.filter((reminder) => reminder.localDate === "2026-11-01");
		expect(fallBack).toHaveLength(1);
		expect(fallBack[0]).toMatchObject({ messageKey: "practice:s:2026-11-01", dueAt: new Date("2026-11-01T05:30:00Z"), expiresAt: new Date("2026-11-02T05:00:00Z") });
	});

	it("a practice reminder at 02:30 on a spring-forward day comes at 03:30, once", () => {
		const planned = planPracticeReminders({ studentId: "s", localTime: "02:30", timezone: "America/New_York" }, Date.parse("2026-03-07T12:00:00Z"));
		expect(planned.filter((reminder) => reminder.localDate === "2026-03-08").map((reminder) => reminder.dueAt.toISOString())).toEqual(["2026-03-08T07:30:00.000Z"]);
	});

	it("reminds of the time an occurrence moved to, and not of occurrences that already began", () => {
		const series = {
			...weeklySeries("2026-10-05T16:00", "Europe/Vienna"),
			exceptions: [{ originalStartMs: localToInstantMs("2026-10-12T16:00", "Europe/Vienna"), status: "moved" as const, startLocal: "2026-10-13T09:00", durationMinutes: null, sequence: 1 }]
		};
		const now = localToInstantMs("2026-10-12T10:00", "Europe/Vienna");
		const planned = planLessonReminders(series, new Map([["student", [60]]]), now);
		expect(planned.map((reminder) => reminder.expiresAt.toISOString())).toEqual([new Date(localToInstantMs("2026-10-13T09:00", "Europe/Vienna")).toISOString()]);
		expect(planned[0]!.occurrenceStart.toISOString()).toBe(new Date(localToInstantMs("2026-10-12T16:00", "Europe/Vienna")).toISOString());
	});

	it("a 24 h reminder for a lesson booked 3 h ahead is past its time: kept if already planned, never added", () => {
		const now = Date.parse("2026-10-05T10:00:00Z");
		const series = { ...weeklySeries("2026-10-05T15:00", "UTC"), rrule: null };
		const planned = planLessonReminders(series, new Map([["student", [1440, 60]]]), now);
		expect(planned.map((reminder) => [reminder.minutesBefore, isStillPlannable(reminder, now)])).toEqual([
			[1440, false],
			[60, true]
		]);
		expect(planned[1]!.dueAt.getTime()).toBe(now + 4 * HOUR_MS);
	});
});
