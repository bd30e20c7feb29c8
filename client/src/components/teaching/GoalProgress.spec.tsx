import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { WeeklyGoal } from "../../models/teaching";
import { GoalProgress } from "./GoalProgress";

function goal({
	progress,
	...overrides
}: Partial<Omit<WeeklyGoal, "progress">> & { progress: Partial<WeeklyGoal["progress"]> }): WeeklyGoal {
	return {
		id: "g1",
		teacherId: "t1",
		teacherName: "Ms. Okafor",
		studentId: "s1",
		minutesPerWeek: 150,
		daysPerWeek: 5,
		focus: null,
		createdAt: "2026-11-30T08:00:00.000Z",
		updatedAt: "2026-11-30T08:00:00.000Z",
		...overrides,
		progress: {
			weekStart: "2026-11-30",
			weekEnd: "2026-12-06",
			minutesDone: 0,
			daysDone: 0,
			met: false,
			onTrack: true,
			...progress
		}
	};
}

describe("GoalProgress", () => {
	it("shows minutes and days against the targets of the student's week, with bars capped at the target", () => {
		render(<GoalProgress goal={goal({ progress: { minutesDone: 200, daysDone: 2, onTrack: true } })} />);
		expect(screen.getByRole("region", { name: "Weekly goal from Ms. Okafor" })).toBeTruthy();
		expect(screen.getByText("3 h 20 min of 2 h 30 min")).toBeTruthy();
		expect(screen.getByText("2 of 5 days")).toBeTruthy();
		expect(screen.getByRole("status")).toHaveTextContent("On track · week of 2026-11-30 to 2026-12-06");
		const minutesBar = screen.getByLabelText("Minutes: 200 of 150");
		expect(minutesBar.getAttribute("value")).toBe("1");
		expect(screen.getByLabelText("Days: 2 of 5").getAttribute("value")).toBe("0.4");
	});

	it("says when the student is behind or has met it, and leaves out a target the teacher did not set", () => {
		const { rerender } = render(
			<GoalProgress
				goal={goal({ daysPerWeek: null, focus: "scales", progress: { minutesDone: 20, onTrack: false } })}
			/>
		);
		expect(screen.getByRole("status")).toHaveTextContent(/^Behind this week/);
		expect(screen.getByText("20 min of 2 h 30 min of Scales")).toBeTruthy();
		expect(screen.queryByLabelText(/^Days:/)).toBeNull();

		rerender(<GoalProgress goal={goal({ progress: { minutesDone: 150, daysDone: 5, met: true } })} />);
		expect(screen.getByRole("status")).toHaveTextContent(/^Goal met this week/);
	});
});
