import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYSER_VERSION, PRACTICE_METRIC_NAMES, analyseRecording, type AnalysisResult } from "./index";
import { mean, slopePerIndex, standardDeviation } from "./stats";
import { addNoise, gaussianNoise, renderNotes, seededRandom, slurredNotes, writeWav, type SynthNote } from "./synthetic-signals";

const SAMPLE_RATE_HZ = 22_050;
let directory: string;
let fileCounter = 0;

beforeAll(async () => {
	directory = await mkdtemp(join(tmpdir(), "etude-analyser-"));
});
afterAll(async () => {
	await rm(directory, { recursive: true, force: true });
});

async function analyseSamples(
	samples: Float32Array | Float32Array[],
	options: { sampleRateHz?: number; bitDepth?: "16" | "24" | "32f"; a4Hz?: number } = {}
): Promise<AnalysisResult> {
	const wavPath = join(directory, `signal-${fileCounter++}.wav`);
	await writeWav(wavPath, samples, options.sampleRateHz ?? SAMPLE_RATE_HZ, options.bitDepth);
	const result = await analyseRecording({ wavPath, ...(options.a4Hz ? { a4Hz: options.a4Hz } : {}) });
	expectWellFormed(result);
	return result;
}

/** Every metric is a finite number, or null with a reason; curves hold no NaN/Infinity. */
function expectWellFormed(result: AnalysisResult): void {
	for (const name of PRACTICE_METRIC_NAMES) {
		const value = result.metrics[name];
		if (value === null) expect(result.missing[name], `reason for ${name}`).toBeTypeOf("string");
		else expect(Number.isFinite(value), `${name} = ${value}`).toBe(true);
	}
	const { tMs, loudnessDbfs, f0Hz, deviationCents } = result.curves;
	for (const series of [tMs, loudnessDbfs, f0Hz, deviationCents]) {
		expect(series).toHaveLength(tMs.length);
		for (const value of series) if (value !== null) expect(Number.isFinite(value)).toBe(true);
	}
}

function sustainedTone(f0Hz: number, durationS: number, extra: Partial<SynthNote> = {}): Float32Array {
	return renderNotes(SAMPLE_RATE_HZ, durationS, [{ startS: 0, durationS, f0Hz, levelDbfs: -12, ...extra }]);
}

const SCALE_HZ = [440, 493.88, 523.25, 587.33, 659.26, 587.33, 523.25, 493.88];

/** A note train with Gaussian onset jitter; returns the signal and the true onset times. */
function noteTrain(intervalsMs: readonly number[], jitterMs: number, seed: number): { samples: Float32Array; onsetsMs: number[] } {
	const noise = gaussianNoise(seededRandom(seed));
	const onsetsMs: number[] = [];
	let gridMs = 300;
	for (const intervalMs of [...intervalsMs, 0]) {
		onsetsMs.push(gridMs + jitterMs * noise());
		gridMs += intervalMs;
	}
	const notes = onsetsMs.map((onsetMs, i) => ({
		startS: onsetMs / 1000,
		durationS: (0.8 * (intervalsMs[i] ?? intervalsMs[i - 1]!)) / 1000,
		f0Hz: SCALE_HZ[i % SCALE_HZ.length]!,
		levelDbfs: -14 + 4 * Math.sin(i)
	}));
	return { samples: renderNotes(SAMPLE_RATE_HZ, gridMs / 1000 + 0.5, notes), onsetsMs };
}

function intervalsOf(onsetsMs: readonly number[]): number[] {
	return onsetsMs.slice(1).map((onsetMs, i) => onsetMs - onsetsMs[i]!);
}

describe("tempo", () => {
	it.each([
		{ bpm: 72, jitterMs: 8 },
		{ bpm: 120, jitterMs: 10 },
		{ bpm: 168, jitterMs: 5 }
	])("recovers $bpm bpm within ±1 bpm, and the IOI spread, from notes jittered by $jitterMs ms", async ({ bpm, jitterMs }) => {
		const { samples, onsetsMs } = noteTrain(Array(31).fill(60_000 / bpm), jitterMs, bpm);
		const { metrics } = await analyseSamples(samples);
		const trueIntervalsMs = intervalsOf(onsetsMs);
		expect(metrics.onsetCount).toBe(onsetsMs.length);
		expect(Math.abs(metrics.tempoBpm! - bpm)).toBeLessThanOrEqual(1);
		const trueCv = standardDeviation(trueIntervalsMs) / mean(trueIntervalsMs);
		expect(Math.abs(metrics.tempoCv! - trueCv)).toBeLessThanOrEqual(0.01);
	});

	it("measures an accelerando as negative drift in ms per beat", async () => {
		const intervalsMs = Array.from({ length: 24 }, (_, i) => 600 - (150 * i) / 23);
		const { samples, onsetsMs } = noteTrain(intervalsMs, 4, 7);
		const { metrics } = await analyseSamples(samples);
		const trueDriftMsPerBeat = slopePerIndex(intervalsOf(onsetsMs));
		expect(trueDriftMsPerBeat).toBeLessThan(-6);
		expect(Math.abs(metrics.tempoDriftMsPerBeat! - trueDriftMsPerBeat)).toBeLessThanOrEqual(1);
	});

	it("finds every onset of soft notes 14 dB (RMS) above room noise", async () => {
		const { samples, onsetsMs } = noteTrain(Array(23).fill(500), 0, 3);
		const soft = renderNotes(SAMPLE_RATE_HZ, samples.length / SAMPLE_RATE_HZ, onsetsMs.map((onsetMs, i) => ({ startS: onsetMs / 1000, durationS: 0.4, f0Hz: SCALE_HZ[i % 8]!, levelDbfs: -27 })));
		const { metrics } = await analyseSamples(addNoise(soft, -50, 9));
		expect(metrics.onsetCount).toBe(onsetsMs.length);
		expect(Math.abs(metrics.tempoBpm! - 120)).toBeLessThanOrEqual(1);
	});

	it.each([
		{ rateHz: 8, extentCents: 70 },
		{ rateHz: 5, extentCents: 45 },
		{ rateHz: 3.5, extentCents: 55 },
		{ rateHz: 6, extentCents: 80 }
	])("does not split a sustained note with wide vibrato ($rateHz Hz, ±$extentCents cents) into onsets", async ({ rateHz, extentCents }) => {
		const result = await analyseSamples(sustainedTone(660, 6, { levelDbfs: -6, vibratoRateHz: rateHz, vibratoExtentCents: extentCents }));
		expect(result.metrics.onsetCount).toBe(0);
	});

	it("reports too few onsets instead of a tempo for a single long note", async () => {
		const result = await analyseSamples(sustainedTone(440, 3));
		expect(result.metrics.tempoBpm).toBeNull();
		expect(result.missing.tempoBpm).toBe("too_few_onsets");
	});
});

interface SlurredScale {
	notesPerMinute: number;
	notesPerBow: number;
	/** How long each finger change takes to move the pitch. */
	glideMs: number;
	intervalsMs?: readonly number[];
	vibrato?: Pick<SynthNote, "vibratoRateHz" | "vibratoExtentCents">;
}

/**
 * The scale up and down, `notesPerBow` notes to a bow: each bow starts with an attack, its other notes
 * only change pitch. Onsets are jittered by 8 ms like a player's; a bow ends 20 ms before the next begins.
 */
function slurredScale({ notesPerMinute, notesPerBow, glideMs, intervalsMs, vibrato }: SlurredScale, seed: number) {
	const intervals = intervalsMs ?? Array(31).fill(60_000 / notesPerMinute);
	const noise = gaussianNoise(seededRandom(seed));
	const onsetsMs = [300, ...intervals].map((_, i) => 300 + intervals.slice(0, i).reduce((sum, interval) => sum + interval, 0) + 8 * noise());
	const bows: SynthNote[] = [];
	for (let first = 0; first < onsetsMs.length; first += notesPerBow) {
		const bowOnsetsMs = onsetsMs.slice(first, first + notesPerBow);
		const endMs = (onsetsMs[first + notesPerBow] ?? bowOnsetsMs[bowOnsetsMs.length - 1]! + intervals[intervals.length - 1]!) - 20;
		const pitches = bowOnsetsMs.map((onsetMs, i) => ({ f0Hz: SCALE_HZ[(first + i) % SCALE_HZ.length]!, durationS: ((bowOnsetsMs[i + 1] ?? endMs) - onsetMs) / 1000 }));
		bows.push(slurredNotes(bowOnsetsMs[0]! / 1000, pitches, { levelDbfs: -14 + 3 * Math.sin(first), slurGlideS: glideMs / 1000, ...vibrato }).note);
	}
	return { samples: renderNotes(SAMPLE_RATE_HZ, onsetsMs[onsetsMs.length - 1]! / 1000 + 1, bows), onsetsMs };
}

describe("slurred notes", () => {
	it.each([
		{ notesPerMinute: 120, notesPerBow: 8, glideMs: 40 },
		{ notesPerMinute: 120, notesPerBow: 4, glideMs: 12 },
		{ notesPerMinute: 240, notesPerBow: 8, glideMs: 25 },
		{ notesPerMinute: 240, notesPerBow: 4, glideMs: 60 },
		{ notesPerMinute: 100, notesPerBow: 2, glideMs: 40 },
		{ notesPerMinute: 160, notesPerBow: 2, glideMs: 25 }
	])(
		"counts every note of a scale slurred $notesPerBow to a bow at $notesPerMinute notes/min ($glideMs ms finger changes), with tempo ±1 bpm and CV ±0.01",
		async (scale) => {
			const { samples, onsetsMs } = slurredScale(scale, scale.notesPerMinute + scale.notesPerBow);
			const { metrics } = await analyseSamples(samples);
			const trueIntervalsMs = intervalsOf(onsetsMs);
			expect(metrics.onsetCount).toBe(onsetsMs.length);
			expect(Math.abs(metrics.tempoBpm! - scale.notesPerMinute)).toBeLessThanOrEqual(1);
			expect(Math.abs(metrics.tempoCv! - standardDeviation(trueIntervalsMs) / mean(trueIntervalsMs))).toBeLessThanOrEqual(0.01);
		}
	);

	it("measures a slurred accelerando as negative drift within ±1 ms per beat", async () => {
		const intervalsMs = Array.from({ length: 24 }, (_, i) => 600 - (150 * i) / 23);
		const { samples, onsetsMs } = slurredScale({ notesPerMinute: 100, notesPerBow: 4, glideMs: 40, intervalsMs }, 7);
		const { metrics } = await analyseSamples(samples);
		expect(metrics.onsetCount).toBe(onsetsMs.length);
		expect(Math.abs(metrics.tempoDriftMsPerBeat! - slopePerIndex(intervalsOf(onsetsMs)))).toBeLessThanOrEqual(1);
	});

	it("counts slurred notes with vibrato once each", async () => {
		const { samples, onsetsMs } = slurredScale({ notesPerMinute: 60, notesPerBow: 4, glideMs: 40, intervalsMs: Array(15).fill(1000), vibrato: { vibratoRateHz: 5.5, vibratoExtentCents: 35 } }, 5);
		const { metrics } = await analyseSamples(samples);
		expect(metrics.onsetCount).toBe(onsetsMs.length);
		expect(Math.abs(metrics.tempoBpm! - 60)).toBeLessThanOrEqual(1);
	});

	it.each([
		{ shiftCents: 700, slideMs: 150 },
		{ shiftCents: 300, slideMs: 120 },
		{ shiftCents: 1200, slideMs: 1000 }
	])("counts a slide of $shiftCents cents over $slideMs ms between two slurred notes as one note", async ({ shiftCents, slideMs }) => {
		const pitches = [0, shiftCents, 0, shiftCents].map((cents) => ({ f0Hz: 293.66 * 2 ** (cents / 1200), durationS: 1.2 }));
		const { note, onsetsS } = slurredNotes(0.3, pitches, { levelDbfs: -14, slurGlideS: slideMs / 1000 });
		const { metrics } = await analyseSamples(renderNotes(SAMPLE_RATE_HZ, 5.5, [note]));
		expect(metrics.onsetCount).toBe(onsetsS.length);
	});

	it.each([
		{ wobbleCents: -100, wobbleMs: 50 },
		{ wobbleCents: 120, wobbleMs: 60 },
		{ wobbleCents: -200, wobbleMs: 60 }
	])("counts a note whose pitch starts $wobbleCents cents off and settles within $wobbleMs ms once", async ({ wobbleCents, wobbleMs }) => {
		const notes = Array.from({ length: 16 }, (_, i) => ({
			startS: 0.3 + i * 0.5,
			durationS: i % 2 === 0 ? 0.45 : 0.49,
			f0Hz: SCALE_HZ[i % 8]!,
			levelDbfs: -14,
			startWobbleCents: wobbleCents,
			startWobbleS: wobbleMs / 1000
		}));
		const { metrics } = await analyseSamples(renderNotes(SAMPLE_RATE_HZ, 8.5, notes));
		expect(metrics.onsetCount).toBe(notes.length);
		expect(Math.abs(metrics.tempoBpm! - 120)).toBeLessThanOrEqual(1);
	});

	it("counts a re-bowed note that changes pitch without a gap once", async () => {
		const notes = Array.from({ length: 16 }, (_, i) => ({ startS: 0.3 + i * 0.3, durationS: 0.32, f0Hz: SCALE_HZ[i % 8]!, levelDbfs: -14 }));
		const { metrics } = await analyseSamples(renderNotes(SAMPLE_RATE_HZ, 5.5, notes));
		expect(metrics.onsetCount).toBe(notes.length);
		expect(Math.abs(metrics.tempoBpm! - 200)).toBeLessThanOrEqual(1);
	});
});

describe("vibrato", () => {
	it.each([
		{ f0Hz: 196, rateHz: 5, extentCents: 20 },
		{ f0Hz: 440, rateHz: 6, extentCents: 40 },
		{ f0Hz: 659.26, rateHz: 7.3, extentCents: 60 },
		{ f0Hz: 880, rateHz: 4, extentCents: 12 },
		{ f0Hz: 130.81, rateHz: 8.5, extentCents: 25 },
		{ f0Hz: 300, rateHz: 6.123, extentCents: 18 }
	])("measures $rateHz Hz / $extentCents cents vibrato on $f0Hz Hz within ±0.3 Hz and ±5 cents", async ({ f0Hz, rateHz, extentCents }) => {
		const { metrics } = await analyseSamples(sustainedTone(f0Hz, 3, { vibratoRateHz: rateHz, vibratoExtentCents: extentCents }));
		expect(metrics.vibratoNotePercent).toBe(100);
		expect(Math.abs(metrics.vibratoRateHz! - rateHz)).toBeLessThanOrEqual(0.3);
		expect(Math.abs(metrics.vibratoExtentCents! - extentCents)).toBeLessThanOrEqual(5);
	});

	it("still measures vibrato through background noise at 30 dB SNR", async () => {
		const samples = addNoise(sustainedTone(523.25, 3, { vibratoRateHz: 5.5, vibratoExtentCents: 30 }), -45, 11);
		const { metrics } = await analyseSamples(samples);
		expect(Math.abs(metrics.vibratoRateHz! - 5.5)).toBeLessThanOrEqual(0.3);
		expect(Math.abs(metrics.vibratoExtentCents! - 30)).toBeLessThanOrEqual(5);
	});

	it("finds no vibrato on a steady tone and says so", async () => {
		const result = await analyseSamples(sustainedTone(440, 3));
		expect(result.metrics.vibratoNotePercent).toBe(0);
		expect(result.missing.vibratoRateHz).toBe("no_vibrato");
		expect(result.missing.vibratoExtentCents).toBe("no_vibrato");
	});
});

describe("intonation", () => {
	it.each([
		{ noteHz: 440, detuneCents: 7 },
		{ noteHz: 196, detuneCents: -12 },
		{ noteHz: 1760, detuneCents: 12 },
		{ noteHz: 65.41, detuneCents: -23 },
		{ noteHz: 293.66, detuneCents: 35 }
	])("measures a $noteHz Hz note detuned by $detuneCents cents within ±3 cents", async ({ noteHz, detuneCents }) => {
		const { metrics } = await analyseSamples(sustainedTone(noteHz * 2 ** (detuneCents / 1200), 2));
		expect(metrics.voicedPercent).toBeGreaterThan(95);
		expect(Math.abs(metrics.intonationMeanDeviationCents! - detuneCents)).toBeLessThanOrEqual(3);
		expect(Math.abs(metrics.noteCentreMeanAbsDeviationCents! - Math.abs(detuneCents))).toBeLessThanOrEqual(3);
		expect(metrics.intonationWithinTenCentsPercent).toBe(Math.abs(detuneCents) <= 10 ? 100 : 0);
	});

	it("measures deviation against the configured A4", async () => {
		const { metrics, a4Hz } = await analyseSamples(sustainedTone(442 * 2 ** (5 / 1200), 2), { a4Hz: 442 });
		expect(a4Hz).toBe(442);
		expect(Math.abs(metrics.intonationMeanDeviationCents! - 5)).toBeLessThanOrEqual(3);
	});

	it("judges the centre of a note with vibrato, not its swings", async () => {
		const { metrics } = await analyseSamples(sustainedTone(440 * 2 ** (-8 / 1200), 3, { vibratoRateHz: 6, vibratoExtentCents: 35 }));
		expect(metrics.intonationMeanAbsDeviationCents).toBeGreaterThan(15);
		expect(Math.abs(metrics.noteCentreMeanAbsDeviationCents! - 8)).toBeLessThanOrEqual(3);
	});
});

describe("dynamic range", () => {
	it.each([
		{ fromDbfs: -40, toDbfs: -10 },
		{ fromDbfs: -6, toDbfs: -30 }
	])("measures a swell from $fromDbfs to $toDbfs dBFS as 90 % of its span (p95 − p5) within ±1 dB", async ({ fromDbfs, toDbfs }) => {
		const samples = renderNotes(SAMPLE_RATE_HZ, 8, [{ startS: 0, durationS: 8, f0Hz: 440, levelDbfs: fromDbfs, endLevelDbfs: toDbfs, harmonicCount: 1 }]);
		const { metrics } = await analyseSamples(samples);
		expect(Math.abs(metrics.dynamicRangeDb! - 0.9 * Math.abs(toDbfs - fromDbfs))).toBeLessThanOrEqual(1);
	});

	it("reports a steady sine's level in dBFS (full-scale sine = −3 dBFS)", async () => {
		const { metrics } = await analyseSamples(sustainedTone(440, 2, { levelDbfs: -20, harmonicCount: 1 }));
		expect(metrics.dynamicRangeDb).toBeLessThan(1);
		expect(Math.abs(metrics.loudnessMeanDbfs! - (-20 - 3.01))).toBeLessThanOrEqual(0.5);
	});
});

describe("signals without music", () => {
	it("marks every audio metric of digital silence as silent, without NaN", async () => {
		const result = await analyseSamples(new Float32Array(SAMPLE_RATE_HZ * 2));
		expect(result.metrics.onsetCount).toBe(0);
		for (const name of ["tempoBpm", "dynamicRangeDb", "voicedPercent", "vibratoRateHz"] as const) {
			expect(result.missing[name]).toBe("silent");
		}
		expect(result.curves.loudnessDbfs.every((value) => value === null)).toBe(true);
	});

	it("finds no pitch, pulse or vibrato in white noise, and a small dynamic range", async () => {
		const result = await analyseSamples(addNoise(new Float32Array(SAMPLE_RATE_HZ * 4), -20, 5));
		expect(result.missing.voicedPercent).toBe("unvoiced");
		expect(result.metrics.onsetCount).toBe(0);
		expect(result.metrics.tempoBpm).toBeNull();
		expect(result.metrics.vibratoRateHz).toBeNull();
		expect(result.metrics.dynamicRangeDb).toBeLessThan(2);
		expect(Math.abs(result.metrics.loudnessMeanDbfs! + 20)).toBeLessThan(0.5);
	});

	it("counts clipped samples and still tracks the pitch of a clipped tone", async () => {
		const clipped = await analyseSamples(sustainedTone(440 * 2 ** (6 / 1200), 2, { levelDbfs: 6 }));
		expect(clipped.metrics.clippedSamplePercent).toBeGreaterThan(5);
		expect(Math.abs(clipped.metrics.intonationMeanDeviationCents! - 6)).toBeLessThanOrEqual(3);
		const clean = await analyseSamples(sustainedTone(440, 2));
		expect(clean.metrics.clippedSamplePercent).toBe(0);
	});

	it("counts full-scale samples of an 8-bit file as clipped", async () => {
		const wavPath = join(directory, "clipped-8-bit.wav");
		const wav = new wavefile.WaveFile();
		const tone = sustainedTone(440, 1, { levelDbfs: 6 });
		wav.fromScratch(1, SAMPLE_RATE_HZ, "8", Uint8Array.from(tone, (value) => Math.round(Math.max(-1, Math.min(127 / 128, value)) * 128) + 128));
		await writeFile(wavPath, wav.toBuffer());
		const result = await analyseRecording({ wavPath });
		expect(result.metrics.clippedSamplePercent).toBeGreaterThan(5);
	});

	it("gives a one-second note its pitch and level but no tempo", async () => {
		const result = await analyseSamples(renderNotes(SAMPLE_RATE_HZ, 1, [{ startS: 0.05, durationS: 0.9, f0Hz: 392, levelDbfs: -12 }]));
		expect(result.durationMs).toBe(1000);
		expect(result.curves.tMs).toHaveLength(10);
		expect(result.missing.tempoBpm).toBe("too_few_onsets");
		expect(Math.abs(result.metrics.intonationMeanDeviationCents!)).toBeLessThanOrEqual(3);
		expect(result.metrics.loudnessMeanDbfs).not.toBeNull();
	});

	it("marks a recording shorter than one analysis frame as too short", async () => {
		const result = await analyseSamples(sustainedTone(440, 0.02));
		expect(result.missing.dynamicRangeDb).toBe("too_short");
		expect(result.missing.clippedSamplePercent).toBe("too_short");
	});
});

describe("recordings and files", () => {
	it("analyses a 5-minute recording with 10 Hz curves and a steady tempo", async () => {
		const notes = Array.from({ length: 497 }, (_, i) => ({ startS: 0.2 + i * 0.6, durationS: 0.45, f0Hz: SCALE_HZ[i % 8]!, levelDbfs: -15, harmonicCount: 2 }));
		const result = await analyseSamples(renderNotes(SAMPLE_RATE_HZ, 300, notes));
		expect(result.durationMs).toBe(300_000);
		expect(result.curves.tMs).toHaveLength(3000);
		expect(result.curves.tMs[2999]).toBe(299_900);
		expect(Math.abs(result.metrics.tempoBpm! - 100)).toBeLessThanOrEqual(1);
		expect(result.metrics.onsetCount).toBe(497);
	}, 60_000);

	it("downmixes 24-bit stereo at 44.1 kHz and reads 32-bit float at 48 kHz", async () => {
		const renderAt = (sampleRateHz: number) =>
			renderNotes(sampleRateHz, 2, [{ startS: 0, durationS: 2, f0Hz: 440 * 2 ** (9 / 1200), levelDbfs: -12, vibratoRateHz: 6, vibratoExtentCents: 30 }]);
		const stereo = await analyseSamples([renderAt(44_100), renderAt(44_100)], { sampleRateHz: 44_100, bitDepth: "24" });
		const float = await analyseSamples(renderAt(48_000), { sampleRateHz: 48_000, bitDepth: "32f" });
		for (const result of [stereo, float]) {
			expect(Math.abs(result.metrics.noteCentreMeanAbsDeviationCents! - 9)).toBeLessThanOrEqual(3);
			expect(Math.abs(result.metrics.vibratoRateHz! - 6)).toBeLessThanOrEqual(0.3);
			expect(Math.abs(result.metrics.vibratoExtentCents! - 30)).toBeLessThanOrEqual(5);
		}
		expect(stereo.channelCount).toBe(2);
		expect(float.sampleRateHz).toBe(48_000);
	});

	it("gives identical numbers for the same input and analyser version", async () => {
		const wavPath = join(directory, "determinism.wav");
		await writeWav(wavPath, addNoise(sustainedTone(330, 2, { vibratoRateHz: 5, vibratoExtentCents: 25 }), -40, 3), SAMPLE_RATE_HZ);
		const first = await analyseRecording({ wavPath });
		const second = await analyseRecording({ wavPath });
		expect(second).toEqual(first);
		expect(first.analyserVersion).toBe(ANALYSER_VERSION);
		expect(ANALYSER_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
	});

	it("reads NaN and Infinity samples of a corrupt float file as silence, so no metric becomes NaN", async () => {
		const samples = sustainedTone(440, 2);
		samples.fill(Number.NaN, 10_000, 10_100);
		samples.fill(Number.POSITIVE_INFINITY, 20_000, 20_010);
		const result = await analyseSamples(samples, { bitDepth: "32f" });
		expect(Math.abs(result.metrics.intonationMeanDeviationCents!)).toBeLessThanOrEqual(3);
	});

	it("refuses a recording longer than 30 minutes with ERR_RECORDING_TOO_LONG before reading it", async () => {
		const wavPath = join(directory, "endless.wav");
		await writeWav(wavPath, sustainedTone(440, 0.1), SAMPLE_RATE_HZ);
		const header = (await readFile(wavPath)).subarray(0, 44);
		const dataBytes = 31 * 60 * SAMPLE_RATE_HZ * 2;
		header.writeUInt32LE(dataBytes, 40);
		await writeFile(wavPath, header);
		// Extending by truncate() makes a sparse file: 31 minutes of zeros without writing 82 MB.
		await truncate(wavPath, 44 + dataBytes);
		await expect(analyseRecording({ wavPath })).rejects.toMatchObject({ type: "ERR_RECORDING_TOO_LONG", code: 422 });
	});

	it("rejects a file that is not a WAV with ERR_NOT_DECODABLE", async () => {
		const wavPath = join(directory, "not-audio.wav");
		await writeFile(wavPath, "this is a text file, not audio");
		await expect(analyseRecording({ wavPath })).rejects.toMatchObject({ type: "ERR_NOT_DECODABLE", code: 422 });
	});

	it("rejects a missing file with ERR_NOT_DECODABLE", async () => {
		await expect(analyseRecording({ wavPath: join(directory, "missing.wav") })).rejects.toMatchObject({ type: "ERR_NOT_DECODABLE" });
	});

	it("rejects a compressed (ADPCM) WAV with ERR_NOT_DECODABLE", async () => {
		const wavPath = join(directory, "adpcm.wav");
		const header = Buffer.alloc(44);
		header.write("RIFF", 0, "ascii");
		header.writeUInt32LE(36, 4);
		header.write("WAVEfmt ", 8, "ascii");
		header.writeUInt32LE(16, 16);
		header.writeUInt16LE(2, 20);
		header.writeUInt16LE(1, 22);
		header.writeUInt32LE(22_050, 24);
		header.writeUInt16LE(4, 34);
		header.write("data", 36, "ascii");
		await writeFile(wavPath, header);
		await expect(analyseRecording({ wavPath })).rejects.toMatchObject({ type: "ERR_NOT_DECODABLE", data: { formatTag: 2 } });
	});

	it("rejects an A4 outside 400–480 Hz with ERR_INVALID_ANALYSIS_OPTION", async () => {
		await expect(analyseRecording({ wavPath: "unused.wav", a4Hz: 520 })).rejects.toMatchObject({ type: "ERR_INVALID_ANALYSIS_OPTION", code: 400 });
		await expect(analyseRecording({ wavPath: "unused.wav", a4Hz: Number.NaN })).rejects.toMatchObject({ type: "ERR_INVALID_ANALYSIS_OPTION" });
	});
});
