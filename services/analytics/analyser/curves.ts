import { frameCentreMs, isSoundingRms, type FrameFeatures } from "./frame-features";
import { rmsToDbfs } from "./dynamics";
import { deviationFromNearestNoteCents } from "./notes";
import { median } from "./stats";

const CURVE_PERIOD_MS = 100;

/** Chart series at 10 Hz, column-wise; point i covers [tMs[i], tMs[i] + 100 ms). `null` = silent / unvoiced. */
export interface AnalysisCurves {
	periodMs: number;
	tMs: number[];
	loudnessDbfs: (number | null)[];
	f0Hz: (number | null)[];
	deviationCents: (number | null)[];
}

/** Loudness is the energy mean of the frames centred in each bin; f0 is the median of its voiced pitch frames. */
export function buildCurves(features: FrameFeatures, durationMs: number, a4Hz: number): AnalysisCurves {
	const { layout, frameRms, f0Hz } = features;
	const binCount = Math.ceil(durationMs / CURVE_PERIOD_MS);
	const energySum = new Float64Array(binCount);
	const energyCount = new Uint32Array(binCount);
	const voicedF0ByBin: number[][] = Array.from({ length: binCount }, () => []);
	const binOf = (frameIndex: number) => Math.min(binCount - 1, Math.floor(frameCentreMs(layout, frameIndex) / CURVE_PERIOD_MS));
	frameRms.forEach((rms, frameIndex) => {
		const bin = binOf(frameIndex);
		energySum[bin]! += rms * rms;
		energyCount[bin]!++;
	});
	f0Hz.forEach((frameF0Hz, pitchIndex) => {
		if (frameF0Hz > 0) voicedF0ByBin[binOf(pitchIndex * layout.pitchEveryFrames)]!.push(frameF0Hz);
	});
	const curves: AnalysisCurves = { periodMs: CURVE_PERIOD_MS, tMs: [], loudnessDbfs: [], f0Hz: [], deviationCents: [] };
	for (let bin = 0; bin < binCount; bin++) {
		const binRms = energyCount[bin]! > 0 ? Math.sqrt(energySum[bin]! / energyCount[bin]!) : 0;
		const binF0Hz = voicedF0ByBin[bin]!.length > 0 ? median(voicedF0ByBin[bin]!) : null;
		curves.tMs.push(bin * CURVE_PERIOD_MS);
		curves.loudnessDbfs.push(isSoundingRms(binRms) ? rmsToDbfs(binRms) : null);
		curves.f0Hz.push(binF0Hz);
		curves.deviationCents.push(binF0Hz == null ? null : deviationFromNearestNoteCents(1200 * Math.log2(binF0Hz / a4Hz)));
	}
	return curves;
}
