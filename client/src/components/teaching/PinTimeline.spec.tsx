import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { FeedbackItem } from "../../models/teaching";
import { PinTimeline, positionPercent } from "./PinTimeline";

function pin(id: string, tMs: number, text: string, endTMs: number | null = null): FeedbackItem {
	return {
		id,
		kind: "pin",
		sessionId: "s1",
		videoId: "v1",
		studentId: "st1",
		parentId: null,
		author: { id: "t1", name: "Ms. Okafor", role: "teacher" },
		tMs,
		endTMs,
		text,
		html: `<p>${text}</p>`,
		drawing: null,
		metric: null,
		rating: null,
		replies: [],
		createdAt: "2026-12-01T10:00:00.000Z",
		updatedAt: "2026-12-01T10:00:00.000Z"
	};
}

describe("PinTimeline", () => {
	it("places each pin at its moment of the recording, a range across its length, and names it with its time and text", () => {
		render(
			<PinTimeline
				pins={[pin("a", 3000, "Bow closer to the bridge"), pin("b", 1000, "Lift here", 2000)]}
				durationMs={4000}
				currentMs={0}
				onSelect={() => {}}
			/>
		);
		const at3 = screen.getByRole("button", { name: "Pin at 00:03: Bow closer to the bridge" });
		expect(at3.style.left).toBe("75%");
		const range = screen.getByRole("button", { name: "Pin at 00:01 to 00:02: Lift here" });
		expect(range.style.left).toBe("25%");
		expect(range.style.width).toBe("25%");
		expect(screen.getByRole("group", { name: "Feedback pins, 2 on 00:04 of recording" })).toBeTruthy();
	});

	it("hands the chosen pin to the page, which seeks to it, and marks the selected one", async () => {
		const onSelect = vi.fn();
		const pins = [pin("a", 3000, "Bow closer to the bridge")];
		const { rerender } = render(<PinTimeline pins={pins} durationMs={4000} currentMs={0} onSelect={onSelect} />);
		await userEvent.click(screen.getByRole("button", { name: /Pin at 00:03/ }));
		expect(onSelect).toHaveBeenCalledWith(pins[0]);
		rerender(<PinTimeline pins={pins} durationMs={4000} currentMs={3000} selectedPinId="a" onSelect={onSelect} />);
		expect(screen.getByRole("button", { name: /Pin at 00:03/, pressed: true })).toBeTruthy();
	});

	it("keeps a pin a few milliseconds past the probed end on the bar", () => {
		expect(positionPercent(4020, 4000)).toBe(100);
		expect(positionPercent(-5, 4000)).toBe(0);
		expect(positionPercent(100, 0)).toBe(0);
	});
});
