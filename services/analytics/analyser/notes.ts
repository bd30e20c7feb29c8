import type { FrameFeatures } from "./frame-features";

/**
 * Consecutive pitch frames closer than this belong to the same note: a semitone step splits, while
 * vibrato up to 7 Hz at ±70 cents (at most 72 cents per 23 ms frame) does not.
 */
const NOTE_SPLIT_CENTS = 80;
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

export function sustainedNotes(track: PitchTrack): SustainedNote[] {
	const notes: SustainedNote[] = [];
	const minFrames = Math.ceil(SUSTAINED_NOTE_MIN_MS / track.framePeriodMs);
	let runStart = 0;
	const closeRun = (runEnd: number) => {
		const first = runStart + NOTE_EDGE_TRIM_FRAMES;
		const last = runEnd - NOTE_EDGE_TRIM_FRAMES;
		if (last - first >= minFrames) {
			// A run holds voiced frames only.
			notes.push({ centsFromA4: track.centsFromA4.slice(first, last) as number[] });
		}
	};
	for (let i = 0; i <= track.centsFromA4.length; i++) {
		const cents = track.centsFromA4[i];
		const previous = track.centsFromA4[i - 1];
		const continuesRun = cents != null && previous != null && Math.abs(cents - previous) <= NOTE_SPLIT_CENTS;
		if (continuesRun) continue;
		if (i > runStart) closeRun(i);
		runStart = cents == null ? i + 1 : i;
	}
	return notes;
}
