import { describe, expect, it } from "vitest";
import { piecewiseFit, type PiecewiseFitOptions } from "./pitch-changes";

/** The options detectPitchChanges uses at 23.2 ms pitch frames. */
const FIT: PiecewiseFitOptions = { levelPenalty: 10_000, slidePenalty: 15_000, minSegment: 3, maxSegment: 86, maxSlide: 11, minSlideStep: 11.6 };

function held(cents: number, frames: number): number[] {
	return Array(frames).fill(cents);
}

function vibrato(centreCents: number, extentCents: number, rateHz: number, frames: number): number[] {
	return Array.from({ length: frames }, (_, i) => centreCents + extentCents * Math.sin(2 * Math.PI * rateHz * i * 0.0232));
}

describe("piecewise fit of a pitch track", () => {
	it("gives each held pitch of a staircase its own level, with the glide frame on the nearer side", () => {
		const segments = piecewiseFit([...held(0, 8), 30, ...held(100, 8), 170, ...held(200, 8)], FIT);
		expect(segments).toEqual([
			{ start: 0, end: 9, sloped: false },
			{ start: 9, end: 17, sloped: false },
			{ start: 17, end: 26, sloped: false }
		]);
	});

	it("keeps a note with ±45 cents of 5 Hz vibrato in one level", () => {
		expect(piecewiseFit(vibrato(0, 45, 5, 80), FIT)).toEqual([{ start: 0, end: 80, sloped: false }]);
	});

	it("fits a shift between two notes as one slide instead of a staircase of short levels", () => {
		const shift = Array.from({ length: 6 }, (_, i) => 100 * (i + 1));
		const segments = piecewiseFit([...held(0, 20), ...shift, ...held(700, 20)], FIT);
		expect(segments.map((segment) => segment.sloped)).toEqual([false, true, false]);
		// The last frame of the first note lies on the same line as the shift, so either fit is exact.
		expect(segments[1]!.start).toBeGreaterThanOrEqual(19);
		expect(segments[1]!.end).toBeLessThanOrEqual(27);
	});

	it("never fits a run of held notes as a slide, however fast", () => {
		const run = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((step) => held(100 * step, 3));
		const segments = piecewiseFit(run, FIT);
		expect(segments).toHaveLength(8);
		expect(segments.every((segment) => !segment.sloped)).toBe(true);
	});

	it("cuts a note longer than the longest segment into pieces at its own level", () => {
		const segments = piecewiseFit(held(10, 200), FIT);
		expect(segments.length).toBeGreaterThan(2);
		expect(segments.every((segment) => segment.end - segment.start <= FIT.maxSegment && !segment.sloped)).toBe(true);
	});

	it("returns nothing for fewer values than one segment holds", () => {
		expect(piecewiseFit([0, 0], FIT)).toEqual([]);
	});
});
