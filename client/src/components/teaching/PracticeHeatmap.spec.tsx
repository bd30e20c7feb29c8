import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { heatLevel, PracticeHeatmap } from "./PracticeHeatmap";

const AUCKLAND_WEEK = [
	{ date: "2026-11-25", minutes: 0 },
	{ date: "2026-11-26", minutes: 10 },
	{ date: "2026-11-27", minutes: 30 },
	{ date: "2026-11-28", minutes: 0 },
	{ date: "2026-11-29", minutes: 45 },
	{ date: "2026-11-30", minutes: 90 },
	{ date: "2026-12-01", minutes: 20 }
];

describe("PracticeHeatmap", () => {
	it("shows the student's own seven days as the server cut them, oldest first, each named with its minutes", () => {
		render(<PracticeHeatmap days={AUCKLAND_WEEK} studentName="Aroha" />);
		const map = screen.getByRole("list", { name: "Aroha: 195 minutes in the last 7 days" });
		const days = within(map).getAllByRole("listitem");
		expect(days.map((day) => day.dataset.date)).toEqual(AUCKLAND_WEEK.map((day) => day.date));
		// The weekday belongs to the date itself, whatever the zone of the teacher looking at it.
		expect(days[6]).toHaveAccessibleName(/ 2026-12-01: 20 minutes$/);
		expect(days[6]!.getAttribute("aria-label")).toMatch(/^Tue/);
	});

	it("shades a day by its minutes: none for no practice, darkest from an hour on", () => {
		expect([0, 1, 15, 16, 45, 60, 240].map(heatLevel)).toEqual([0, 1, 1, 2, 3, 4, 4]);
		render(<PracticeHeatmap days={AUCKLAND_WEEK} studentName="Aroha" />);
		const classes = screen.getAllByRole("listitem").map((day) => day.className.replace("etude-heat ", ""));
		expect(classes).toEqual([
			"etude-heat-0",
			"etude-heat-1",
			"etude-heat-2",
			"etude-heat-0",
			"etude-heat-3",
			"etude-heat-4",
			"etude-heat-2"
		]);
	});
});
