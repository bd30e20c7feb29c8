import { availableGroup, unavailableGroup, type MetricGroup } from "./metric-group";
import type { PitchTrack, SustainedNote } from "./notes";
import { mean, slopePerIndex } from "./stats";

export const VIBRATO_METRICS = ["vibratoRateHz", "vibratoExtentCents", "vibratoNotePercent"] as const;
export type VibratoMetric = (typeof VIBRATO_METRICS)[number];

const MIN_RATE_HZ = 3;
const MAX_RATE_HZ = 9;
const COARSE_STEP_HZ = 0.1;
const FINE_STEP_HZ = 0.005;
/** The sinusoid must explain this share of the detrended pitch variance to count as vibrato. */
const MIN_EXPLAINED_VARIANCE = 0.5;
/** Below this extent the modulation is pitch-tracking jitter, not vibrato. */
const MIN_EXTENT_CENTS = 3;
const MIN_CYCLES = 2;

interface SinusoidFit {
	rateHz: number;
	amplitudeCents: number;
	fittedPower: number;
}

interface NoteVibrato {
	rateHz: number;
	extentCents: number;
}

/**
 * Each f0 estimate averages pitch over the YIN window, which shrinks a modulation at rate f by
 * sinc(π·f·window): 4.5 % at 7 Hz with a 23 ms window. Dividing by it restores the true extent.
 */
function windowAttenuation(rateHz: number, analysisWindowMs: number): number {
	const x = Math.PI * rateHz * (analysisWindowMs / 1000);
	return Math.sin(x) / x;
}

/**
 * Vibrato of one sustained note: the pitch (cents) is linearly detrended, then a sinusoid is fitted by
 * least squares at each rate in 3–9 Hz. Rate = best-fitting frequency; extent = its amplitude, which
 * is half the peak-to-peak excursion of a regular vibrato and, unlike raw max − min, ignores tracking jitter.
 */
function noteVibrato(note: SustainedNote, track: Pick<PitchTrack, "framePeriodMs" | "analysisWindowMs">): NoteVibrato | null {
	const { framePeriodMs } = track;
	const residual = detrend(note.centsFromA4);
	const timesS = residual.map((_, i) => (i * framePeriodMs) / 1000);
	const totalPower = residual.reduce((sum, value) => sum + value * value, 0);
	if (totalPower === 0) return null;
	let best = bestFit(residual, timesS, MIN_RATE_HZ, MAX_RATE_HZ, COARSE_STEP_HZ);
	best = bestFit(residual, timesS, best.rateHz - COARSE_STEP_HZ, best.rateHz + COARSE_STEP_HZ, FINE_STEP_HZ);
	const durationS = timesS.length * (framePeriodMs / 1000);
	const isVibrato =
		best.fittedPower / totalPower >= MIN_EXPLAINED_VARIANCE && best.amplitudeCents >= MIN_EXTENT_CENTS && best.rateHz * durationS >= MIN_CYCLES;
	return isVibrato ? { rateHz: best.rateHz, extentCents: best.amplitudeCents / windowAttenuation(best.rateHz, track.analysisWindowMs) } : null;
}

function detrend(values: readonly number[]): number[] {
	const indexMean = (values.length - 1) / 2;
	const valueMean = mean(values);
	const slope = slopePerIndex(values);
	return values.map((value, i) => value - valueMean - slope * (i - indexMean));
}

function bestFit(values: readonly number[], timesS: readonly number[], fromHz: number, toHz: number, stepHz: number): SinusoidFit {
	let best: SinusoidFit = { rateHz: fromHz, amplitudeCents: 0, fittedPower: -1 };
	const stepCount = Math.round((toHz - fromHz) / stepHz);
	for (let step = 0; step <= stepCount; step++) {
		const fit = fitSinusoid(values, timesS, Math.max(MIN_RATE_HZ, Math.min(MAX_RATE_HZ, fromHz + step * stepHz)));
		if (fit.fittedPower > best.fittedPower) best = fit;
	}
	return best;
}

/** Least-squares a·cos + b·sin at one frequency (the 2×2 normal equations; cos and sin are not orthogonal over a partial cycle). */
function fitSinusoid(values: readonly number[], timesS: readonly number[], rateHz: number): SinusoidFit {
	let cc = 0;
	let ss = 0;
	let cs = 0;
	let yc = 0;
	let ys = 0;
	for (let i = 0; i < values.length; i++) {
		const angle = 2 * Math.PI * rateHz * timesS[i]!;
		const cos = Math.cos(angle);
		const sin = Math.sin(angle);
		cc += cos * cos;
		ss += sin * sin;
		cs += cos * sin;
		yc += values[i]! * cos;
		ys += values[i]! * sin;
	}
	const determinant = cc * ss - cs * cs;
	if (determinant <= 0) return { rateHz, amplitudeCents: 0, fittedPower: 0 };
	const a = (yc * ss - ys * cs) / determinant;
	const b = (ys * cc - yc * cs) / determinant;
	return { rateHz, amplitudeCents: Math.hypot(a, b), fittedPower: a * yc + b * ys };
}

export function vibratoMetrics(notes: readonly SustainedNote[], track: PitchTrack): MetricGroup<VibratoMetric> {
	if (notes.length === 0) return unavailableGroup(VIBRATO_METRICS, "no_sustained_notes");
	const withVibrato = notes.flatMap((note) => {
		const vibrato = noteVibrato(note, track);
		return vibrato ? [{ ...vibrato, weight: note.centsFromA4.length }] : [];
	});
	const vibratoNotePercent = (100 * withVibrato.length) / notes.length;
	if (withVibrato.length === 0) {
		return { values: { vibratoRateHz: null, vibratoExtentCents: null, vibratoNotePercent }, missing: { vibratoRateHz: "no_vibrato", vibratoExtentCents: "no_vibrato" } };
	}
	const totalWeight = withVibrato.reduce((sum, note) => sum + note.weight, 0);
	const weightedMean = (pick: (note: NoteVibrato) => number) => withVibrato.reduce((sum, note) => sum + pick(note) * note.weight, 0) / totalWeight;
	return availableGroup({
		vibratoRateHz: weightedMean((note) => note.rateHz),
		vibratoExtentCents: weightedMean((note) => note.extentCents),
		vibratoNotePercent
	});
}
