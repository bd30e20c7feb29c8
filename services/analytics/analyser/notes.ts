import type { FrameFeatures } from "./frame-features";

/**
 * Consecutive pitch frames closer than this belong to the same note: a semitone step splits, while
 * vibrato up to 7 Hz at ±70 cents (at most 72 cents per 23 ms frame) does not.
 */
const NOTE_SPLIT_CENTS = 80;
/** Unvoiced frames (≈ 46 ms) that may interrupt a note without ending it. */
export const MAX_BRIDGED_GAP_FRAMES = 2;
/** Frames dropped at each end of a note so attack and release glides do not bias its centre. */
const NOTE_EDGE_TRIM_FRAMES = 2;
/** A note at least this long (after trimming) is "sustained": long enough to judge its centre and vibrato. */
const SUSTAINED_NOTE_MIN_MS = 500;

export interface PitchTrack {
	/** Time between pitch frames. */
	framePeriodMs: number;
	/** Samples each f0 estimate compares, as a duration: pitch movement faster than this is averaged out. */
	analysisWindowMs: number;
	/** Cents above A4 per pitch frame, `null` where unvoiced. */
	centsFromA4: (number | null)[];
}

export interface SustainedNote {
	/** Cents above A4 of each frame, evenly spaced by the track's frame period. */
	centsFromA4: number[];
}

export function pitchTrackOf(features: FrameFeatures, a4Hz: number): PitchTrack {
	const { layout } = features;
	return {
		framePeriodMs: ((layout.hopSize * layout.pitchEveryFrames) / layout.sampleRateHz) * 1000,
		analysisWindowMs: (layout.pitchWindowSize / layout.sampleRateHz) * 1000,
		centsFromA4: features.f0Hz.map((f0Hz) => (f0Hz > 0 ? 1200 * Math.log2(f0Hz / a4Hz) : null))
	};
}

/** Signed distance in cents to the nearest equal-tempered note, in [-50, 50). */
export function deviationFromNearestNoteCents(centsFromA4: number): number {
	return centsFromA4 - 100 * Math.round(centsFromA4 / 100);
}

/**
 * Notes are runs of voiced frames whose pitch moves less than NOTE_SPLIT_CENTS frame to frame. A
 * dropout of up to MAX_BRIDGED_GAP_FRAMES unvoiced frames (noise, a scratchy bow) does not end a note
 * when the pitch resumes close to where it stopped; the gap is filled by linear interpolation so
 * frames stay evenly spaced for the vibrato fit.
 */
export function sustainedNotes(track: PitchTrack): SustainedNote[] {
	const notes: SustainedNote[] = [];
	const minFrames = Math.ceil(SUSTAINED_NOTE_MIN_MS / track.framePeriodMs);
	let run: number[] = [];
	let gapFrames = 0;
	const closeRun = () => {
		const trimmed = run.slice(NOTE_EDGE_TRIM_FRAMES, run.length - NOTE_EDGE_TRIM_FRAMES);
		if (trimmed.length >= minFrames) notes.push({ centsFromA4: trimmed });
		run = [];
	};
	for (const cents of track.centsFromA4) {
		if (cents == null) {
			gapFrames++;
			if (gapFrames > MAX_BRIDGED_GAP_FRAMES && run.length > 0) closeRun();
			continue;
		}
		const last = run[run.length - 1];
		if (last !== undefined && Math.abs(cents - last) > NOTE_SPLIT_CENTS) closeRun();
		if (last !== undefined && run.length > 0) {
			for (let step = 1; step <= gapFrames; step++) run.push(last + ((cents - last) * step) / (gapFrames + 1));
		}
		run.push(cents);
		gapFrames = 0;
	}
	if (run.length > 0) closeRun();
	return notes;
}
