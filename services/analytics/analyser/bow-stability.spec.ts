import { describe, expect, it } from "vitest";
import type { SensorSample, Vector3 } from "../../../lib/sensor-file";
import { bowStabilityMetrics } from "./bow-stability";
import { gaussianNoise, seededRandom } from "./synthetic-signals";

const RATE_HZ = 100;

/**
 * Bowing about a tilted axis: a 0.5 Hz stroke rotation of 2 rad/s plus an 8 Hz tremor of the given
 * amplitude about the same axis, a little cross-axis noise, and phone-like timestamp jitter.
 */
function bowingGyro(tremorRadPerS: number, durationS = 10, seed = 1): SensorSample[] {
	const axis: Vector3 = [0.48, 0.6, 0.64];
	const random = seededRandom(seed);
	const noise = gaussianNoise(random);
	return Array.from({ length: durationS * RATE_HZ }, (_, i) => {
		const tMs = (i * 1000) / RATE_HZ + (random() - 0.5) * 2;
		const tS = tMs / 1000;
		const alongAxis = 2 * Math.sin(2 * Math.PI * 0.5 * tS) + tremorRadPerS * Math.sin(2 * Math.PI * 8 * tS);
		return { tMs, gyroRadPerS: axis.map((component) => component * alongAxis + 0.002 * noise()) as Vector3 };
	});
}

describe("bow stability", () => {
	it("equals the RMS of a known tremor about the bow axis (amplitude / √2) within 5 %", () => {
		const { values } = bowStabilityMetrics(bowingGyro(0.2));
		expect(Math.abs(values.bowStabilityRmsRadPerS! - 0.2 / Math.SQRT2)).toBeLessThanOrEqual(0.05 * (0.2 / Math.SQRT2));
	});

	it("rates a steady bow arm lower than a shaky one", () => {
		const steady = bowStabilityMetrics(bowingGyro(0.03)).values.bowStabilityRmsRadPerS!;
		const shaky = bowStabilityMetrics(bowingGyro(0.3)).values.bowStabilityRmsRadPerS!;
		expect(steady).toBeLessThan(shaky / 5);
	});

	it("is not raised by the slow bow stroke itself", () => {
		const { values } = bowStabilityMetrics(bowingGyro(0));
		expect(values.bowStabilityRmsRadPerS).toBeLessThan(0.01);
	});

	it("explains a missing value when there is no, too little or too slow motion data", () => {
		expect(bowStabilityMetrics(undefined).missing.bowStabilityRmsRadPerS).toBe("no_sensor_data");
		expect(bowStabilityMetrics(bowingGyro(0.2, 1)).missing.bowStabilityRmsRadPerS).toBe("too_few_sensor_samples");
		const everyTenth = bowingGyro(0.2).filter((_, i) => i % 10 === 0);
		expect(bowStabilityMetrics(everyTenth).missing.bowStabilityRmsRadPerS).toBe("sensor_rate_too_low");
	});
});
