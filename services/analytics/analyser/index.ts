import type { SensorRecording } from "../../../lib/sensor-file";
import { BOW_METRICS, bowStabilityMetrics, type BowMetric } from "./bow-stability";
import { buildCurves, type AnalysisCurves } from "./curves";
import { DYNAMICS_METRICS, dynamicsMetrics, soundingFrameLevelsDbfs, type DynamicsMetric } from "./dynamics";
import { InvalidAnalysisOptionError } from "./errors";
import { FrameFeatureExtractor, isSoundingRms, type FrameFeatures } from "./frame-features";
import { INTONATION_METRICS, intonationMetrics, type IntonationMetric } from "./intonation";
import { availableGroup, unavailableGroup, type MetricGroup, type MissingReason } from "./metric-group";
import { pitchTrackOf, sustainedNotes } from "./notes";
import { detectOnsetTimesMs } from "./onsets";
import { TEMPO_METRICS, tempoMetrics, type TempoMetric } from "./tempo";
import { VIBRATO_METRICS, vibratoMetrics, type VibratoMetric } from "./vibrato";
import { openWav, streamMonoSamples } from "./wav-stream";

export { RecordingNotDecodableError, RecordingTooLongError, InvalidAnalysisOptionError } from "./errors";
export { MAX_RECORDING_DURATION_MS } from "./wav-stream";
export type { AnalysisCurves } from "./curves";
export type { MissingReason } from "./metric-group";

/**
 * Stored with every metric row. Same input + same version = same numbers, so any change that can
 * move a number bumps at least the minor version (policy in docs/metrics.md).
 */
export const ANALYSER_VERSION = "1.1.0";
export const DEFAULT_A4_HZ = 440;
const A4_RANGE_HZ = [400, 480] as const;

/** Counts that are always defined once the recording has at least one frame. */
const SIGNAL_METRICS = ["onsetCount", "sustainedNoteCount", "clippedSamplePercent"] as const;
type SignalMetric = (typeof SIGNAL_METRICS)[number];

export type PracticeMetricName = TempoMetric | DynamicsMetric | IntonationMetric | VibratoMetric | BowMetric | SignalMetric;
export const PRACTICE_METRIC_NAMES: readonly PracticeMetricName[] = [
	...TEMPO_METRICS,
	...DYNAMICS_METRICS,
	...INTONATION_METRICS,
	...VIBRATO_METRICS,
	...BOW_METRICS,
	...SIGNAL_METRICS
];

export interface AnalyseRecordingOptions {
	/** Any PCM (8/16/24/32-bit) or float WAV, any channel count (averaged to mono). */
	wavPath: string;
	sensors?: SensorRecording | null;
	/** Reference pitch for intonation, 400–480 Hz. */
	a4Hz?: number;
}

export interface AnalysisResult {
	analyserVersion: string;
	a4Hz: number;
	durationMs: number;
	sampleRateHz: number;
	channelCount: number;
	/** Every metric is a finite number or `null`; each `null` has its reason in `missing`. */
	metrics: Record<PracticeMetricName, number | null>;
	missing: Partial<Record<PracticeMetricName, MissingReason>>;
	curves: AnalysisCurves;
}

export async function analyseRecording(options: AnalyseRecordingOptions): Promise<AnalysisResult> {
	const a4Hz = options.a4Hz ?? DEFAULT_A4_HZ;
	if (!Number.isFinite(a4Hz) || a4Hz < A4_RANGE_HZ[0] || a4Hz > A4_RANGE_HZ[1]) {
		throw new InvalidAnalysisOptionError("a4Hz", `must be between ${A4_RANGE_HZ[0]} and ${A4_RANGE_HZ[1]} Hz`);
	}
	const { file, format } = await openWav(options.wavPath);
	let features: FrameFeatures;
	try {
		const extractor = new FrameFeatureExtractor(format.sampleRateHz);
		for await (const chunk of streamMonoSamples(file, format)) extractor.push(chunk);
		features = extractor.finish();
	} finally {
		await file.close();
	}
	const durationMs = (features.sampleCount / format.sampleRateHz) * 1000;
	const { values: metrics, missing } = mergeGroups<PracticeMetricName>([audioMetrics(features, a4Hz), bowStabilityMetrics(options.sensors?.samples)]);
	return {
		analyserVersion: ANALYSER_VERSION,
		a4Hz,
		durationMs,
		sampleRateHz: format.sampleRateHz,
		channelCount: format.channelCount,
		metrics,
		missing,
		curves: buildCurves(features, durationMs, a4Hz)
	};
}

type AudioMetricName = Exclude<PracticeMetricName, BowMetric>;
const AUDIO_METRIC_NAMES = PRACTICE_METRIC_NAMES.filter((name): name is AudioMetricName => !(BOW_METRICS as readonly string[]).includes(name));

function audioMetrics(features: FrameFeatures, a4Hz: number): MetricGroup<AudioMetricName> {
	if (features.frameRms.length === 0) return unavailableGroup(AUDIO_METRIC_NAMES, "too_short");
	const clippedSamplePercent = (100 * features.clippedSampleCount) / features.sampleCount;
	if (soundingFrameLevelsDbfs(features).length === 0) {
		return mergeGroups([unavailableGroup(AUDIO_METRIC_NAMES, "silent"), availableGroup({ clippedSamplePercent, onsetCount: 0, sustainedNoteCount: 0 })]);
	}
	const track = pitchTrackOf(features, a4Hz);
	const onsetTimesMs = detectOnsetTimesMs(features, track);
	const notes = sustainedNotes(track);
	const soundingPitchFrameCount = features.f0Hz.filter((_, pitchIndex) => isSoundingRms(features.frameRms[pitchIndex * features.layout.pitchEveryFrames]!)).length;
	return mergeGroups([
		tempoMetrics(onsetTimesMs),
		dynamicsMetrics(features),
		intonationMetrics(track, notes, soundingPitchFrameCount),
		vibratoMetrics(notes, track),
		availableGroup({ clippedSamplePercent, onsetCount: onsetTimesMs.length, sustainedNoteCount: notes.length })
	]);
}

/** Later groups win, so a metric listed as unavailable by one group can be supplied by another. */
function mergeGroups<Name extends string>(groups: readonly MetricGroup<string>[]): MetricGroup<Name> {
	const values: Record<string, number | null> = {};
	const missing: Record<string, MissingReason> = {};
	for (const group of groups) {
		Object.assign(values, group.values);
		Object.assign(missing, group.missing);
	}
	for (const name of Object.keys(missing)) if (values[name] != null) delete missing[name];
	return { values, missing } as MetricGroup<Name>;
}
