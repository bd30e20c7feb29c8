import { describe, expect, it } from "vitest";
import { toSensorSample } from "./motion-sampler";

describe("motion samples", () => {
	it("converts rotation from degrees per second about beta, gamma, alpha to rad/s about x, y, z", () => {
		const sample = toSensorSample(
			{
				acceleration: { x: 0, y: 0, z: 0 },
				accelerationIncludingGravity: { x: 0.5, y: 9.81, z: -0.2 },
				rotationRate: { alpha: 180, beta: 90, gamma: -45 },
				interval: 16
			},
			1234.6
		);
		expect(sample.t).toBe(1235);
		expect(sample.gyro[0]).toBeCloseTo(Math.PI / 2, 12);
		expect(sample.gyro[1]).toBeCloseTo(-Math.PI / 4, 12);
		expect(sample.gyro[2]).toBeCloseTo(Math.PI, 12);
		expect(sample.accel).toEqual([0.5, 9.81, -0.2]);
	});

	it("writes zeros, never NaN, when a device reports no rotation or acceleration", () => {
		const sample = toSensorSample(
			{
				acceleration: null,
				accelerationIncludingGravity: null,
				rotationRate: null,
				interval: 16
			} as unknown as Parameters<typeof toSensorSample>[0],
			0
		);
		expect(sample).toEqual({ t: 0, gyro: [0, 0, 0], accel: [0, 0, 0] });
	});
});
