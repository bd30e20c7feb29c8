import { describe, expect, it } from "vitest";
import { sustainedNotes, type PitchTrack } from "./notes";

const FRAME_PERIOD_MS = 23.2;

function track(centsFromA4: (number | null)[]): PitchTrack {
	return { framePeriodMs: FRAME_PERIOD_MS, analysisWindowMs: 23.2, centsFromA4 };
}

/** `count` frames at a steady pitch, one second is 43 frames. */
function steady(cents: number, count: number): number[] {
	return Array(count).fill(cents);
}

describe("note segmentation", () => {
	it("keeps a note whole through a dropout of two unvoiced frames, filling the gap in between", () => {
		const notes = sustainedNotes(track([...steady(10, 30), null, null, ...steady(16, 30)]));
		expect(notes).toHaveLength(1);
		const cents = notes[0]!.centsFromA4;
		expect(cents).toHaveLength(62 - 4);
		expect(cents[28]).toBe(12);
		expect(cents[29]).toBe(14);
	});

	it("ends a note at a longer silence and at a semitone step", () => {
		expect(sustainedNotes(track([...steady(0, 30), null, null, null, ...steady(0, 30)]))).toHaveLength(2);
		expect(sustainedNotes(track([...steady(0, 30), ...steady(100, 30)]))).toHaveLength(2);
	});

	it("counts only notes of at least 500 ms after trimming their edges as sustained", () => {
		const minFrames = Math.ceil(500 / FRAME_PERIOD_MS);
		expect(sustainedNotes(track(steady(0, minFrames + 4)))).toHaveLength(1);
		expect(sustainedNotes(track(steady(0, minFrames + 3)))).toHaveLength(0);
	});
});
