import type { SensorSample, Vector3 } from "../../../lib/sensor-file";
import { availableGroup, unavailableGroup, type MetricGroup } from "./metric-group";

export const BOW_METRICS = ["bowStabilityRmsRadPerS"] as const;
export type BowMetric = (typeof BOW_METRICS)[number];

/** Bow strokes (≤ ~3 per second even in fast détaché) stay below this; tremor and wobble lie above it. */
const BOW_HIGH_PASS_HZ = 3;
/** Enough for the 3 Hz high-pass and tremor up to ~10 Hz. */
const MIN_SENSOR_RATE_HZ = 20;
const MIN_SENSOR_SPAN_MS = 2000;
/** The high-pass filter's start-up transient is left out of the RMS. */
const FILTER_SETTLE_MS = 500;

/**
 * RMS of high-passed angular velocity about the bow axis. The phone may sit anywhere on the arm or
 * bow, so the bow axis is taken as the principal axis of angular velocity: the deliberate stroke
 * rotation dominates its variance. Lower is steadier.
 */
export function bowStabilityMetrics(samples: readonly SensorSample[] | undefined): MetricGroup<BowMetric> {
	if (!samples || samples.length === 0) return unavailableGroup(BOW_METRICS, "no_sensor_data");
	const spanMs = samples.length > 1 ? samples[samples.length - 1]!.tMs - samples[0]!.tMs : 0;
	if (spanMs < MIN_SENSOR_SPAN_MS) return unavailableGroup(BOW_METRICS, "too_few_sensor_samples");
	const rateHz = ((samples.length - 1) * 1000) / spanMs;
	if (rateHz < MIN_SENSOR_RATE_HZ) return unavailableGroup(BOW_METRICS, "sensor_rate_too_low");

	const gyro = resampleUniform(samples, rateHz);
	const axis = principalAxis(gyro);
	const alongAxis = highPass(
		gyro.map((vector) => vector[0] * axis[0] + vector[1] * axis[1] + vector[2] * axis[2]),
		rateHz
	);
	const settled = alongAxis.slice(Math.ceil((FILTER_SETTLE_MS / 1000) * rateHz));
	const meanSquare = settled.reduce((sum, value) => sum + value * value, 0) / settled.length;
	return availableGroup({ bowStabilityRmsRadPerS: Math.sqrt(meanSquare) });
}

/** Phones deliver motion samples with jittery timestamps; the filter needs an even grid. */
function resampleUniform(samples: readonly SensorSample[], rateHz: number): Vector3[] {
	const startMs = samples[0]!.tMs;
	const count = Math.floor(((samples[samples.length - 1]!.tMs - startMs) * rateHz) / 1000) + 1;
	const resampled: Vector3[] = [];
	let source = 0;
	for (let i = 0; i < count; i++) {
		const tMs = startMs + (i * 1000) / rateHz;
		while (source < samples.length - 2 && samples[source + 1]!.tMs < tMs) source++;
		const before = samples[source]!;
		const after = samples[source + 1]!;
		const gapMs = after.tMs - before.tMs;
		const weight = gapMs > 0 ? Math.min(1, Math.max(0, (tMs - before.tMs) / gapMs)) : 0;
		resampled.push([0, 1, 2].map((axis) => before.gyroRadPerS[axis]! * (1 - weight) + after.gyroRadPerS[axis]! * weight) as Vector3);
	}
	return resampled;
}

/** Dominant eigenvector of the 3×3 covariance by power iteration (deterministic start, sign irrelevant for RMS). */
function principalAxis(vectors: readonly Vector3[]): Vector3 {
	const centre = [0, 1, 2].map((axis) => vectors.reduce((sum, vector) => sum + vector[axis]!, 0) / vectors.length);
	const covariance = [0, 1, 2].map(() => [0, 0, 0]);
	for (const vector of vectors) {
		for (let row = 0; row < 3; row++) {
			for (let column = 0; column < 3; column++) covariance[row]![column]! += (vector[row]! - centre[row]!) * (vector[column]! - centre[column]!);
		}
	}
	let axis: number[] = [1, 1, 1];
	for (let iteration = 0; iteration < 100; iteration++) {
		const next = covariance.map((row) => row[0]! * axis[0]! + row[1]! * axis[1]! + row[2]! * axis[2]!);
		const length = Math.hypot(...next);
		if (length === 0) break;
		axis = next.map((value) => value / length);
	}
	const length = Math.hypot(...axis);
	return axis.map((value) => value / length) as Vector3;
}

/** Q of the two biquad sections of a 4th-order Butterworth filter. */
const BUTTERWORTH_4_Q = [0.5412, 1.3066];

/**
 * 4th-order Butterworth high-pass (two RBJ cookbook biquads) on the mean-removed series: a
 * 2nd-order filter still lets 3 % of a 0.5 Hz stroke through, which would swamp a steady player's tremor.
 */
function highPass(values: readonly number[], rateHz: number): number[] {
	const offset = values.reduce((sum, value) => sum + value, 0) / values.length;
	return BUTTERWORTH_4_Q.reduce(
		(signal, q) => biquadHighPass(signal, rateHz, q),
		values.map((value) => value - offset)
	);
}

function biquadHighPass(values: readonly number[], rateHz: number, q: number): number[] {
	const omega = (2 * Math.PI * BOW_HIGH_PASS_HZ) / rateHz;
	const alpha = Math.sin(omega) / (2 * q);
	const cos = Math.cos(omega);
	const a0 = 1 + alpha;
	const b0 = (1 + cos) / 2 / a0;
	const b1 = -(1 + cos) / a0;
	const a1 = (-2 * cos) / a0;
	const a2 = (1 - alpha) / a0;
	let x1 = 0;
	let x2 = 0;
	let y1 = 0;
	let y2 = 0;
	return values.map((x) => {
		const y = b0 * x + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
		[x2, x1, y2, y1] = [x1, x, y1, y];
		return y;
	});
}
