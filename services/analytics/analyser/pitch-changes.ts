import { frameCentreMs, frameIndexAt, isSoundingRms, levelRatioAcross, type FrameFeatures } from "./frame-features";
import { MAX_BRIDGED_GAP_FRAMES, type PitchTrack } from "./notes";
import { median, slopePerIndex } from "./stats";
import { peakHalfWidthFrames } from "./tempo";

/** Both the pitch before a change and the new one must hold at least this long (3 pitch frames at 23.2 ms). */
const MIN_HOLD_MS = 60;
/**
 * Adjacent held pitches whose medians differ by at least this are different notes: a semitone, less
 * room for a narrow semitone played by ear and for a glide frame counted into a short hold.
 */
const MIN_STEP_CENTS = 70;
/**
 * Cost of one more held segment in the piecewise fit, in cents² · ms so it does not depend on the frame
 * rate (10 000 cents² per 23.2 ms pitch frame). Cutting a held note at its vibrato swings saves about
 * 0.4 · extent² per frame of each half-cycle: 3 500 per cut at ±45 cents / 5 Hz, 9 300 at ±80 cents /
 * 6 Hz, so vibrato is not split; a semitone between two 70 ms holds saves 15 000.
 */
const LEVEL_PENALTY_CENTS2_MS = 232_000;
/**
 * A sloped segment costs half as much again, so a held note drifting slightly stays a level while a
 * shift is fitted as one slide instead of a staircase of short levels.
 */
const SLIDE_PENALTY_CENTS2_MS = 1.5 * LEVEL_PENALTY_CENTS2_MS;
/**
 * Longest slide the fit considers: a shift takes at most a few hundred ms, while a fast run of held
 * notes would fit a longer line about as well as its steps.
 */
const MAX_SLIDE_MS = 250;
/** In a slide the pitch moves at least this fast the whole way (12 cents per 23.2 ms frame), so a staircase of held notes is never fitted as one. */
const MIN_SLIDE_CENTS_PER_MS = 0.5;
/**
 * Longest segment the fit considers, which bounds its cost to O(frames × this). A longer note is cut
 * into pieces with the same median, which the MIN_STEP_CENTS rule joins again.
 */
const MAX_SEGMENT_MS = 2000;
/** A sloped segment whose trend travels at least this far is a slide; one that travels less still holds its pitch (a note drifting in tune). */
const MAX_HELD_DRIFT_CENTS = 100;
/** −6 dB: a level falling this fast across a pitch change is a release; a new note played softer falls less. */
const RELEASE_LEVEL_RATIO = 10 ** (-6 / 20);
/** A frame this far beyond both notes of a change is a misjudged frame, not part of the finger's glide. */
const OUTLIER_MARGIN_CENTS = 50;
/** Frames either side of a boundary searched for the moment the pitch passes half-way between the two notes. */
const CROSSING_SEARCH_FRAMES = 2;

export interface PitchChange {
	/** When the pitch passes half-way between the two notes. */
	timeMs: number;
	/** The last frame of the held pitch before and the first of the one after: a slide lies between them. */
	fromMs: number;
	toMs: number;
	/** False when the pitch jumped across a dropout or a frame YIN misjudged, so `timeMs` only brackets the change. */
	crossingMeasured: boolean;
}

/**
 * Where the pitch moves by at least MIN_STEP_CENTS from one held pitch to another, whether or not the
 * bow re-attacks: on bowed strings most note changes in a legato passage are slurred and
 * show little spectral change. Within each stretch of sounding, voiced pitch frames the track is fitted
 * piecewise by held levels and sloped slides (least squares with a penalty per segment). Vibrato is a
 * swing around a held level, which one level fits more cheaply than a cut per swing; a shift or a
 * glissando between two notes is one slide, so it makes one change, and a glide into a note start is
 * absorbed by the level it reaches. A change is counted between consecutive held segments whose
 * medians are far enough apart.
 */
export function detectPitchChanges(features: FrameFeatures, track: PitchTrack): PitchChange[] {
	const minHoldFrames = Math.ceil(MIN_HOLD_MS / track.framePeriodMs);
	const fit: PiecewiseFitOptions = {
		levelPenalty: LEVEL_PENALTY_CENTS2_MS / track.framePeriodMs,
		slidePenalty: SLIDE_PENALTY_CENTS2_MS / track.framePeriodMs,
		minSegment: minHoldFrames,
		maxSegment: Math.round(MAX_SEGMENT_MS / track.framePeriodMs),
		maxSlide: Math.round(MAX_SLIDE_MS / track.framePeriodMs),
		minSlideStep: MIN_SLIDE_CENTS_PER_MS * track.framePeriodMs
	};
	const levelHalfWidth = peakHalfWidthFrames(features.layout);
	const changes: PitchChange[] = [];
	for (const stretch of voicedStretches(features, track)) {
		const cents = stretch.centsFromA4;
		if (cents.length < 2 * minHoldFrames) continue;
		const held = piecewiseFit(cents, fit).flatMap((segment) => {
			const values = cents.slice(segment.start, segment.end);
			const isHeld = !segment.sloped || Math.abs(slopePerIndex(values)) * (values.length - 1) < MAX_HELD_DRIFT_CENTS;
			return isHeld ? [{ ...segment, level: median(values) }] : [];
		});
		for (let i = 1; i < held.length; i++) {
			const [before, after] = [held[i - 1]!, held[i]!];
			if (Math.abs(after.level - before.level) < MIN_STEP_CENTS) continue;
			const frameTimeMs = (index: number) => pitchFrameTimeMs(features, stretch.firstFrame + index);
			const crossing = halfwayCrossing(stretch, before.end - 1, after.start, [before.level, after.level], frameTimeMs);
			// A pitch that moves while the level collapses is a note's release (the estimate drifts as it decays), not a new note.
			if (levelRatioAcross(features.frameRms, frameIndexAt(features.layout, crossing.timeMs), levelHalfWidth) < RELEASE_LEVEL_RATIO) continue;
			changes.push({ timeMs: crossing.timeMs, fromMs: frameTimeMs(before.end - 1), toMs: frameTimeMs(after.start), crossingMeasured: crossing.measured });
		}
	}
	return changes;
}

interface VoicedStretch {
	/** Pitch frame index of centsFromA4[0]. */
	firstFrame: number;
	/** Evenly spaced: unvoiced dropouts of up to MAX_BRIDGED_GAP_FRAMES are filled in linearly. */
	centsFromA4: number[];
	/** False where centsFromA4 is filled in. */
	voiced: boolean[];
}

/**
 * Runs of voiced pitch frames. A short unvoiced dropout inside sounding frames (a scratchy bow, a
 * transition YIN cannot call) is bridged; silence or a longer dropout ends the run, so the step from
 * one detached note to the next is left to the attack detection.
 */
function voicedStretches(features: FrameFeatures, track: PitchTrack): VoicedStretch[] {
	const stretches: VoicedStretch[] = [];
	let current: VoicedStretch | null = null;
	let gapFrames = 0;
	for (const [index, cents] of track.centsFromA4.entries()) {
		if (cents == null) {
			gapFrames++;
			const silent = !isSoundingRms(features.frameRms[index * features.layout.pitchEveryFrames]!);
			if (current && (silent || gapFrames > MAX_BRIDGED_GAP_FRAMES)) {
				stretches.push(current);
				current = null;
			}
			continue;
		}
		if (current) {
			const last = current.centsFromA4[current.centsFromA4.length - 1]!;
			for (let step = 1; step <= gapFrames; step++) {
				current.centsFromA4.push(last + ((cents - last) * step) / (gapFrames + 1));
				current.voiced.push(false);
			}
			current.centsFromA4.push(cents);
			current.voiced.push(true);
		} else {
			current = { firstFrame: index, centsFromA4: [cents], voiced: [true] };
		}
		gapFrames = 0;
	}
	if (current) stretches.push(current);
	return stretches;
}

export interface PiecewiseFitOptions {
	/** Added per segment fitted by its mean. */
	levelPenalty: number;
	/** Added per segment fitted by a least-squares line. */
	slidePenalty: number;
	minSegment: number;
	maxSegment: number;
	/** Longest segment that may be fitted by a line. */
	maxSlide: number;
	/** A segment fitted by a line must move at least this much, in one direction, from each value to the next. */
	minSlideStep: number;
}

export interface FittedSegment {
	/** values[start, end) */
	start: number;
	end: number;
	/** Fitted by a line rather than by its mean. */
	sloped: boolean;
}

/**
 * Optimal partition of `values` into segments of minSegment…maxSegment values, each fitted by its mean
 * or by a line, minimising the squared residuals plus each segment's penalty: dynamic programming with
 * PELT pruning (Killick et al. 2012). Every cost comes from prefix sums in O(1).
 */
export function piecewiseFit(values: readonly number[], options: PiecewiseFitOptions): FittedSegment[] {
	const { levelPenalty, slidePenalty, minSegment, maxSegment, maxSlide, minSlideStep } = options;
	const count = values.length;
	const sum = new Float64Array(count + 1);
	const sumOfSquares = new Float64Array(count + 1);
	const indexWeightedSum = new Float64Array(count + 1);
	for (let i = 0; i < count; i++) {
		sum[i + 1] = sum[i]! + values[i]!;
		sumOfSquares[i + 1] = sumOfSquares[i]! + values[i]! * values[i]!;
		indexWeightedSum[i + 1] = indexWeightedSum[i]! + i * values[i]!;
	}
	// Least-squares residuals of values[from, to) about their mean and about their line.
	const levelResidual = (from: number, to: number) => {
		const segmentSum = sum[to]! - sum[from]!;
		return sumOfSquares[to]! - sumOfSquares[from]! - (segmentSum * segmentSum) / (to - from);
	};
	const lineResidual = (from: number, to: number) => {
		const length = to - from;
		const indexMean = (from + to - 1) / 2;
		const indexCovariance = indexWeightedSum[to]! - indexWeightedSum[from]! - indexMean * (sum[to]! - sum[from]!);
		return levelResidual(from, to) - (indexCovariance * indexCovariance) / ((length * (length * length - 1)) / 12);
	};
	// monotoneSteps[i]: how many consecutive steps from values[i] on move by ≥ minSlideStep in the same direction.
	const monotoneSteps = new Int32Array(count);
	for (let i = count - 2; i >= 0; i--) {
		const step = values[i + 1]! - values[i]!;
		const nextStep = i + 2 < count ? values[i + 2]! - values[i + 1]! : 0;
		if (Math.abs(step) >= minSlideStep) monotoneSteps[i] = Math.sign(step) === Math.sign(nextStep) && Math.abs(nextStep) >= minSlideStep ? monotoneSteps[i + 1]! + 1 : 1;
	}
	const isSlide = (from: number, to: number) =>
		to - from <= maxSlide && monotoneSteps[from]! >= to - from - 1 && lineResidual(from, to) + slidePenalty < levelResidual(from, to) + levelPenalty;
	const segmentCost = (from: number, to: number) => (isSlide(from, to) ? lineResidual(from, to) + slidePenalty : levelResidual(from, to) + levelPenalty);
	// best[t] = cost of the best partition of values[0, t); previous[t] = where its last segment starts.
	const best = new Float64Array(count + 1).fill(Number.POSITIVE_INFINITY);
	const previous = new Int32Array(count + 1);
	best[0] = 0;
	// Splitting a segment saves residual but adds at most the larger penalty, so a start already worse
	// than the best by more than that can never win later (PELT).
	const pruneMargin = Math.max(levelPenalty, slidePenalty);
	const starts = new Int32Array(count + 1);
	let startCount = 0;
	for (let end = minSegment; end <= count; end++) {
		const newStart = end - minSegment;
		if (newStart === 0 || newStart >= minSegment) starts[startCount++] = newStart;
		let bestCost = Number.POSITIVE_INFINITY;
		for (let k = 0; k < startCount; k++) {
			const cost = best[starts[k]!]! + segmentCost(starts[k]!, end);
			if (cost < bestCost) {
				bestCost = cost;
				previous[end] = starts[k]!;
			}
		}
		best[end] = bestCost;
		let kept = 0;
		for (let k = 0; k < startCount; k++) {
			const start = starts[k]!;
			if (end + 1 - start <= maxSegment && best[start]! + segmentCost(start, end) - pruneMargin <= bestCost) starts[kept++] = start;
		}
		startCount = kept;
	}
	const segments: FittedSegment[] = [];
	if (count < minSegment || !Number.isFinite(best[count]!)) return segments;
	for (let end = count; end > 0; end = previous[end]!) {
		const start = previous[end]!;
		segments.push({ start, end, sloped: isSlide(start, end) });
	}
	return segments.reverse();
}

/**
 * When the pitch passes half-way between `levels` on its way from frame `lastBefore` to frame
 * `firstAfter` (searched CROSSING_SEARCH_FRAMES further either side), interpolated between two voiced
 * frames that lie within the span of the two notes: a slurred change is heard at about the middle of
 * the finger's glide, and the crossing is not quantised to the frame period. A frame far outside both
 * notes is YIN misjudging a frame that holds both periods; when no such pair of frames crosses, the
 * change is bracketed by the two held pitches and reported as not measured.
 */
function halfwayCrossing(
	stretch: VoicedStretch,
	lastBefore: number,
	firstAfter: number,
	levels: readonly [number, number],
	frameTimeMs: (index: number) => number
): { timeMs: number; measured: boolean } {
	const { centsFromA4: cents, voiced } = stretch;
	const halfwayCents = (levels[0] + levels[1]) / 2;
	const isTrusted = (index: number) =>
		voiced[index]! && cents[index]! >= Math.min(...levels) - OUTLIER_MARGIN_CENTS && cents[index]! <= Math.max(...levels) + OUTLIER_MARGIN_CENTS;
	const from = Math.max(1, lastBefore + 1 - CROSSING_SEARCH_FRAMES);
	const to = Math.min(cents.length - 1, firstAfter + CROSSING_SEARCH_FRAMES);
	for (let index = from; index <= to; index++) {
		const [before, after] = [cents[index - 1]!, cents[index]!];
		if (before === after || (before - halfwayCents) * (after - halfwayCents) > 0) continue;
		if (!isTrusted(index - 1) || !isTrusted(index)) break;
		return { timeMs: frameTimeMs(index - 1) + ((frameTimeMs(index) - frameTimeMs(index - 1)) * (halfwayCents - before)) / (after - before), measured: true };
	}
	return { timeMs: (frameTimeMs(lastBefore) + frameTimeMs(firstAfter)) / 2, measured: false };
}

/**
 * YIN compares the first half of the frame with lags of up to another quarter frame (its multi-period
 * refinement), so its estimate describes the first ¾ of the frame, centred an eighth of a frame before
 * the frame's centre (5.8 ms at any rate).
 */
function pitchFrameTimeMs(features: FrameFeatures, pitchFrame: number): number {
	const { layout } = features;
	return frameCentreMs(layout, pitchFrame * layout.pitchEveryFrames) - (layout.frameSize / 8 / layout.sampleRateHz) * 1000;
}
