import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SensorSample, Vector3 } from "../../../lib/sensor-file";
import { ANALYSER_VERSION, analyseRecording, type PracticeMetricName } from "./index";
import { addNoise, gaussianNoise, renderNotes, seededRandom, writeWav } from "./synthetic-signals";

/**
 * The numbers this analyser version gives for a fixed reference take. Stored metric rows promise
 * "same input + same version = same numbers", so a change that moves any of these must bump
 * ANALYSER_VERSION (docs/metrics.md) and re-pin them in the same commit.
 */
const PINNED_VERSION = "1.0.0";
const PINNED_METRICS: Record<PracticeMetricName, number | null> = {
	tempoBpm: 133.489967712177,
	tempoCv: 0.069751801927,
	tempoDriftMsPerBeat: 8.569268977432,
	dynamicRangeDb: 24.777680254931,
	loudnessMeanDbfs: -31.074781829059,
	loudnessPeakDbfs: -24.972816449946,
	voicedPercent: 71.984435797665,
	intonationMeanAbsDeviationCents: 10.001137518014,
	intonationMeanDeviationCents: 1.736094932722,
	intonationWithinTenCentsPercent: 51.351351351351,
	noteCentreMeanAbsDeviationCents: 6.313575872102,
	vibratoRateHz: 5.495,
	vibratoExtentCents: 24.69698724251,
	vibratoNotePercent: 100,
	clippedSamplePercent: 0,
	onsetCount: 9,
	sustainedNoteCount: 1,
	bowStabilityRmsRadPerS: 0.09127047348
};

function referenceTake(): Float32Array {
	const scaleNotes = Array.from({ length: 8 }, (_, i) => ({
		startS: 0.2 + i * 0.45,
		durationS: 0.35,
		f0Hz: 261.63 * 2 ** ((i + ((i % 3) - 1) * 0.1) / 12),
		levelDbfs: -30 + 2 * i
	}));
	const longNote = { startS: 3.9, durationS: 1.6, f0Hz: 392 * 2 ** (6 / 1200), levelDbfs: -16, endLevelDbfs: -26, vibratoRateHz: 5.5, vibratoExtentCents: 25 };
	return addNoise(renderNotes(22_050, 6, [...scaleNotes, longNote]), -50, 42);
}

function referenceMotion(): SensorSample[] {
	const random = seededRandom(42);
	const noise = gaussianNoise(random);
	return Array.from({ length: 600 }, (_, i) => {
		const tMs = i * 10 + random();
		const alongBow = 1.5 * Math.sin(2 * Math.PI * 0.7 * (tMs / 1000)) + 0.1 * noise();
		return { tMs, gyroRadPerS: [0.3 * alongBow, 0.9 * alongBow, 0.05 * noise()] as Vector3 };
	});
}

let directory: string;
beforeAll(async () => {
	directory = await mkdtemp(join(tmpdir(), "etude-version-pin-"));
});
afterAll(async () => {
	await rm(directory, { recursive: true, force: true });
});

describe("analyser version", () => {
	it("gives the pinned numbers for the reference take under the pinned version", async () => {
		const wavPath = join(directory, "reference.wav");
		await writeWav(wavPath, referenceTake(), 22_050);
		const { metrics } = await analyseRecording({ wavPath, sensors: { startedAt: null, samples: referenceMotion() } });
		expect(ANALYSER_VERSION, "numbers are pinned for another version: re-pin them with the version bump").toBe(PINNED_VERSION);
		for (const [name, pinned] of Object.entries(PINNED_METRICS)) {
			const value = metrics[name as PracticeMetricName];
			if (pinned === null) expect(value, name).toBeNull();
			else expect(value, name).toBeCloseTo(pinned, 6);
		}
	});
});
