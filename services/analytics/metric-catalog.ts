import type { PracticeMetricName } from "./analyser";

/** Stored beside every summary row; typed over every metric so a new one cannot ship without its unit. */
export const METRIC_UNITS: Record<PracticeMetricName, string> = {
	tempoBpm: "bpm",
	tempoCv: "ratio",
	tempoDriftMsPerBeat: "ms/beat",
	dynamicRangeDb: "dB",
	loudnessMeanDbfs: "dBFS",
	loudnessPeakDbfs: "dBFS",
	voicedPercent: "%",
	intonationMeanAbsDeviationCents: "cents",
	intonationMeanDeviationCents: "cents",
	intonationWithinTenCentsPercent: "%",
	noteCentreMeanAbsDeviationCents: "cents",
	vibratoRateHz: "Hz",
	vibratoExtentCents: "cents",
	vibratoNotePercent: "%",
	bowStabilityRmsRadPerS: "rad/s",
	onsetCount: "count",
	sustainedNoteCount: "count",
	clippedSamplePercent: "%"
};

/** The 10 Hz chart series: API name, stored metric key, the analyser's column and its unit. */
export const CURVE_SERIES = [
	{ name: "loudness", metricKey: "curve.loudnessDbfs", column: "loudnessDbfs", unit: "dBFS" },
	{ name: "pitch", metricKey: "curve.f0Hz", column: "f0Hz", unit: "Hz" },
	{ name: "deviation", metricKey: "curve.deviationCents", column: "deviationCents", unit: "cents" }
] as const;

export type CurveName = (typeof CURVE_SERIES)[number]["name"];
