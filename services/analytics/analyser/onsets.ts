import { frameIndexAt, type FrameFeatures } from "./frame-features";
import type { PitchTrack } from "./notes";
import { detectPitchChanges } from "./pitch-changes";
import { detectSpectralOnsetTimesMs, peakHalfWidthFrames } from "./tempo";

/** A spectral onset this close to a pitch change (or within the slide it makes) is the same note starting, counted once. */
const SAME_ONSET_MS = 50;
/** A pitch change this soon after a spectral onset is that note settling (a scoop or wobble onto its pitch), not a new note. */
const SETTLING_MS = 80;
/**
 * +3 dB: a spectral onset whose level rises at least this much from the quietest frame just before
 * it is an attack (a new bow stroke), timed by the spectrum. Without the rise it is a slurred step the
 * spectrum also saw, and the pitch crossing times it better (a finger's glide smears the spectral peak
 * over tens of ms, and a slide can make several) unless YIN could not follow the step: then the
 * spectral onset of an abrupt step is the better time.
 */
const ATTACK_LEVEL_RATIO = 10 ** (3 / 20);

/**
 * Note onsets: spectral onsets (attacks, see tempo.ts) and slurred pitch changes (see
 * pitch-changes.ts), where a note found by both counts once.
 */
export function detectOnsetTimesMs(features: FrameFeatures, track: PitchTrack): number[] {
	const spectralMs = detectSpectralOnsetTimesMs(features);
	const levelHalfWidth = peakHalfWidthFrames(features.layout);
	const isAttack = (onsetMs: number) => levelRiseFromTrough(features.frameRms, frameIndexAt(features.layout, onsetMs), levelHalfWidth) >= ATTACK_LEVEL_RATIO;
	// null: a spectral onset that a pitch change has taken over.
	const onsetsMs: (number | null)[] = [...spectralMs];
	const changeOnsetsMs: number[] = [];
	for (const change of detectPitchChanges(features, track)) {
		const first = firstIndexAtOrAfter(spectralMs, change.fromMs - SAME_ONSET_MS);
		let last = first;
		while (last < spectralMs.length && spectralMs[last]! <= change.toMs + SAME_ONSET_MS) last++;
		const same = [...Array(last - first).keys()].map((offset) => first + offset).filter((index) => onsetsMs[index] !== null);
		if (same.length === 0) {
			const previous = firstIndexAtOrAfter(spectralMs, change.timeMs) - 1;
			const sinceMs = previous >= 0 ? change.timeMs - spectralMs[previous]! : Number.POSITIVE_INFINITY;
			if (sinceMs >= SETTLING_MS) changeOnsetsMs.push(change.timeMs);
			continue;
		}
		const attack = same.find((index) => isAttack(spectralMs[index]!));
		for (const index of same) onsetsMs[index] = null;
		if (attack !== undefined) changeOnsetsMs.push(spectralMs[attack]!);
		else changeOnsetsMs.push(change.crossingMeasured ? change.timeMs : spectralMs[nearestOf(spectralMs, same, change.timeMs)]!);
	}
	return [...onsetsMs.filter((onsetMs): onsetMs is number => onsetMs !== null), ...changeOnsetsMs].sort((a, b) => a - b);
}

function nearestOf(values: readonly number[], indices: readonly number[], target: number): number {
	return indices.reduce((nearest, index) => (Math.abs(values[index]! - target) < Math.abs(values[nearest]! - target) ? index : nearest));
}

/** Index of the first of the ascending `values` that is ≥ `target` (values.length when none is). */
function firstIndexAtOrAfter(values: readonly number[], target: number): number {
	let low = 0;
	let high = values.length;
	while (low < high) {
		const middle = (low + high) >> 1;
		if (values[middle]! < target) low = middle + 1;
		else high = middle;
	}
	return low;
}

/**
 * Mean level of the `halfWidth` frames after `index` over the quietest frame from `halfWidth` before
 * it up to it: an attack rises out of a gap, a release or the dip of a bow change; a slur keeps its level.
 */
function levelRiseFromTrough(frameRms: readonly number[], index: number, halfWidth: number): number {
	let trough = Number.POSITIVE_INFINITY;
	for (let i = Math.max(0, index - halfWidth); i <= index; i++) trough = Math.min(trough, frameRms[i]!);
	const end = Math.min(frameRms.length, index + 1 + halfWidth);
	let sum = 0;
	for (let i = index + 1; i < end; i++) sum += frameRms[i]!;
	return sum / (end - index - 1) / trough;
}
