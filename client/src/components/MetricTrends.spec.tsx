import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { MetricTrends } from "./MetricTrends";

describe("MetricTrends", () => {
	it("says in words whether each followed metric got better or worse, knowing which way is better", () => {
		render(
			<MetricTrends
				trends={{
					intonationMeanAbsDeviationCents: { last7: 8.2, previous7: 11.7, delta: -3.5 },
					dynamicRangeDb: { last7: 14, previous7: 16, delta: -2 },
					tempoCv: { last7: 0.05, previous7: null, delta: null }
				}}
			/>
		);
		expect(screen.getByLabelText("This week compared with the week before")).toBeTruthy();
		expect(screen.getByText("better by 3.5 cents than the week before")).toBeTruthy();
		expect(screen.getByText("worse by 2.0 dB than the week before")).toBeTruthy();
		expect(screen.getByText("no recordings the week before to compare with")).toBeTruthy();
		expect(screen.queryByText("Vibrato rate")).toBeNull();
	});

	it("shows nothing before there is a recording", () => {
		const { container } = render(<MetricTrends trends={{ tempoCv: { last7: null, previous7: null, delta: null } }} />);
		expect(container.textContent).toBe("");
	});
});
