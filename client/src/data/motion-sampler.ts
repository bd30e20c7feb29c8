import { Motion, type AccelListenerEvent } from "@capacitor/motion";
import type { PluginListenerHandle } from "@capacitor/core";
import type { SensorFile, SensorSample } from "../models/recording";

const RADIANS_PER_DEGREE = Math.PI / 180;

/**
 * One motion event as a sensor sample. Device motion reports rotation in degrees per second about
 * beta (x), gamma (y) and alpha (z); the analyser expects rad/s in x, y, z order.
 */
export function toSensorSample(event: AccelListenerEvent, elapsedMs: number): SensorSample {
	const rotation = event.rotationRate;
	const acceleration = event.accelerationIncludingGravity;
	return {
		t: Math.round(elapsedMs),
		gyro: [
			(rotation?.beta ?? 0) * RADIANS_PER_DEGREE,
			(rotation?.gamma ?? 0) * RADIANS_PER_DEGREE,
			(rotation?.alpha ?? 0) * RADIANS_PER_DEGREE
		],
		accel: [acceleration?.x ?? 0, acceleration?.y ?? 0, acceleration?.z ?? 0]
	};
}

interface DeviceMotionEventWithPermission {
	requestPermission?: () => Promise<"granted" | "denied">;
}

/** Samples the motion sensors for the length of a recording. */
export class MotionSampler {
	private samples: SensorSample[] = [];
	private startedAtMs = 0;
	private listener: PluginListenerHandle | null = null;

	/** Resolves false when the sensors are unavailable or the student declined; recording goes on without them. */
	async start(): Promise<boolean> {
		// iOS Safari asks the student first, and only from a tap: start() must run inside the tap's handler.
		const permissionRequest = (globalThis.DeviceMotionEvent as DeviceMotionEventWithPermission | undefined)
			?.requestPermission;
		if (permissionRequest && (await permissionRequest().catch(() => "denied")) !== "granted") return false;
		this.samples = [];
		this.startedAtMs = performance.now();
		this.listener = await Motion.addListener("accel", (event) => {
			this.samples.push(toSensorSample(event, performance.now() - this.startedAtMs));
		});
		return true;
	}

	async stop(startedAt: string): Promise<SensorFile | undefined> {
		if (!this.listener) return undefined;
		await this.listener.remove();
		this.listener = null;
		return this.samples.length > 0 ? { version: 1, startedAt, samples: this.samples } : undefined;
	}
}
