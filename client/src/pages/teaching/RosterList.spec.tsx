import { describe, expect, it } from "vitest";
import type { RosterEntry } from "../../models/teaching";
import { sortRoster } from "./RosterList";

function entry(name: string, overrides: Partial<RosterEntry> = {}): RosterEntry {
	return {
		id: name,
		name,
		timezone: "UTC",
		today: "2026-12-01",
		heatmap: [],
		streakDays: 0,
		lastPracticeAt: null,
		thisWeek: { weekStart: "2026-11-30", weekEnd: "2026-12-06", sessions: 0, minutes: 0, practiceDays: 0 },
		goal: null,
		latestRecording: null,
		openAssignments: 0,
		overdueAssignments: 0,
		needsAttention: [],
		...overrides
	};
}

const behind = [{ code: "goal_behind" as const, message: "Behind this week's goal" }];
const week = (minutes: number) => ({
	weekStart: "2026-11-30",
	weekEnd: "2026-12-06",
	sessions: 1,
	minutes,
	practiceDays: 1
});

describe("sortRoster", () => {
	const roster = [
		entry("Ben", { thisWeek: week(90), streakDays: 4, lastPracticeAt: "2026-11-30T10:00:00Z" }),
		entry("Ana", { thisWeek: week(10), streakDays: 9, lastPracticeAt: "2026-12-01T07:00:00Z" }),
		entry("Zoe", { thisWeek: week(5), needsAttention: behind }),
		entry("Cai", { thisWeek: week(60), needsAttention: behind, streakDays: 1 })
	];

	it("keeps those needing attention first under every order, and sorts within each group", () => {
		const names = (order: Parameters<typeof sortRoster>[1]) => sortRoster(roster, order).map((student) => student.name);
		expect(names("name")).toEqual(["Cai", "Zoe", "Ana", "Ben"]);
		expect(names("week")).toEqual(["Cai", "Zoe", "Ben", "Ana"]);
		expect(names("streak")).toEqual(["Cai", "Zoe", "Ana", "Ben"]);
		expect(names("lastPractice")).toEqual(["Cai", "Zoe", "Ana", "Ben"]);
	});

	it("by default keeps the order the server sent within each group", () => {
		expect(sortRoster(roster, "attention").map((student) => student.name)).toEqual(["Zoe", "Cai", "Ben", "Ana"]);
	});
});
