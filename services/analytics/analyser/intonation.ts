import { availableGroup, unavailableGroup, type MetricGroup } from "./metric-group";
import { deviationFromNearestNoteCents, type PitchTrack, type SustainedNote } from "./notes";
import { mean } from "./stats";

export const INTONATION_METRICS = [
	"voicedPercent",
	"intonationMeanAbsDeviationCents",
	"intonationMeanDeviationCents",
	"intonationWithinTenCentsPercent",
	"noteCentreMeanAbsDeviationCents"
] as const;
export type IntonationMetric = (typeof INTONATION_METRICS)[number];

const IN_TUNE_CENTS = 10;

/**
 * Frame-wise deviation from the nearest equal-tempered note over voiced frames, plus the deviation
 * of each sustained note's mean pitch (duration-weighted), which vibrato does not inflate.
 */
export function intonationMetrics(track: PitchTrack, notes: readonly SustainedNote[], soundingFrameCount: number): MetricGroup<IntonationMetric> {
	const deviationsCents = track.centsFromA4.flatMap((cents) => (cents == null ? [] : [deviationFromNearestNoteCents(cents)]));
	if (deviationsCents.length === 0) return unavailableGroup(INTONATION_METRICS, soundingFrameCount === 0 ? "silent" : "unvoiced");
	const frameMetrics = {
		voicedPercent: (100 * deviationsCents.length) / Math.max(soundingFrameCount, deviationsCents.length),
		intonationMeanAbsDeviationCents: mean(deviationsCents.map(Math.abs)),
		intonationMeanDeviationCents: mean(deviationsCents),
		intonationWithinTenCentsPercent: (100 * deviationsCents.filter((cents) => Math.abs(cents) <= IN_TUNE_CENTS).length) / deviationsCents.length
	};
	if (notes.length === 0) {
		return { values: { ...frameMetrics, noteCentreMeanAbsDeviationCents: null }, missing: { noteCentreMeanAbsDeviationCents: "no_sustained_notes" } };
	}
	let weightedSum = 0;
	let frameCount = 0;
	for (const note of notes) {
		weightedSum += Math.abs(deviationFromNearestNoteCents(mean(note.centsFromA4))) * note.centsFromA4.length;
		frameCount += note.centsFromA4.length;
	}
	return availableGroup({ ...frameMetrics, noteCentreMeanAbsDeviationCents: weightedSum / frameCount });
}
