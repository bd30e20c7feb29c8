import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SensorSample, Vector3 } from "../../../lib/sensor-file";
import { ANALYSER_VERSION, analyseRecording, type PracticeMetricName } from "./index";
import { addNoise, gaussianNoise, renderNotes, seededRandom, slurredNotes, writeWav } from "./synthetic-signals";

/**
 * The numbers this analyser version gives for a fixed reference take (detached scale notes, a held
 * note with vibrato, four slurred notes). Stored metric rows promise "same input + same version =
 * same numbers", so a change that moves any of these must bump ANALYSER_VERSION (docs/metrics.md)
 * and re-pin them in the same commit.
 */
const PINNED_VERSION = "1.1.0";
const PINNED_METRICS: Record<PracticeMetricName, number | null> = {
	tempoBpm: 133.444804893015,
	tempoCv: 0.060930088506,
	tempoDriftMsPerBeat: 2.011882197233,
	dynamicRangeDb: 24.248672788158,
	loudnessMeanDbfs: -29.781374963011,
	loudnessPeakDbfs: -24.972816449946,
	voicedPercent: 78.74251497006,
	intonationMeanAbsDeviationCents: 8.62241262563,
	intonationMeanDeviationCents: 1.074382254831,
	intonationWithinTenCentsPercent: 63.878326996198,
	noteCentreMeanAbsDeviationCents: 6.313575872102,
	vibratoRateHz: 5.495,
	vibratoExtentCents: 24.69698724251,
	vibratoNotePercent: 100,
	clippedSamplePercent: 0,
	onsetCount: 13,
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
	const slurredPitches = [392, 440, 493.88, 440].map((f0Hz, i) => ({ f0Hz: f0Hz * 2 ** (((i % 2) * 8 - 4) / 1200), durationS: 0.45 }));
	const slur = slurredNotes(5.7, slurredPitches, { levelDbfs: -18, slurGlideS: 0.04 }).note;
	return addNoise(renderNotes(22_050, 7.8, [...scaleNotes, longNote, slur]), -50, 42);
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
