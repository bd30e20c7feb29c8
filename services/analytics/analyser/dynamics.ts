import { isSoundingRms, type FrameFeatures } from "./frame-features";
import { availableGroup, unavailableGroup, type MetricGroup } from "./metric-group";
import { mean, percentile } from "./stats";

export const DYNAMICS_METRICS = ["dynamicRangeDb", "loudnessMeanDbfs", "loudnessPeakDbfs"] as const;
export type DynamicsMetric = (typeof DYNAMICS_METRICS)[number];

/** dBFS of an RMS value, re the RMS of a full-scale square wave (a full-scale sine is −3.01 dBFS). */
export function rmsToDbfs(rms: number): number {
	return 20 * Math.log10(rms);
}

export function soundingFrameLevelsDbfs(features: FrameFeatures): number[] {
	return features.frameRms.filter(isSoundingRms).map(rmsToDbfs);
}

/**
 * Over frames above the silence floor: range = p95 − p5 of frame RMS level; mean loudness is the
 * energy mean (what a level meter integrating over the sounding frames shows), peak is the loudest frame.
 */
export function dynamicsMetrics(features: FrameFeatures): MetricGroup<DynamicsMetric> {
	if (features.frameRms.length === 0) return unavailableGroup(DYNAMICS_METRICS, "too_short");
	const levelsDbfs = soundingFrameLevelsDbfs(features);
	if (levelsDbfs.length === 0) return unavailableGroup(DYNAMICS_METRICS, "silent");
	return availableGroup({
		dynamicRangeDb: percentile(levelsDbfs, 0.95) - percentile(levelsDbfs, 0.05),
		loudnessMeanDbfs: 10 * Math.log10(mean(levelsDbfs.map((levelDbfs) => 10 ** (levelDbfs / 10)))),
		loudnessPeakDbfs: levelsDbfs.reduce((loudest, levelDbfs) => Math.max(loudest, levelDbfs), -Infinity)
	});
}
