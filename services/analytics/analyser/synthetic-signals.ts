import { writeFile } from "node:fs/promises";

/** Known-truth test and benchmark signals. Deterministic: noise comes from a seeded generator. */

export interface SynthNote {
	startS: number;
	durationS: number;
	f0Hz: number;
	/** Peak level of the note at its start, dBFS (1.0 = 0 dBFS). */
	levelDbfs: number;
	/** Level at the end of the note for crescendi/diminuendi; the envelope is linear in dB. */
	endLevelDbfs?: number;
	vibratoRateHz?: number;
	vibratoExtentCents?: number;
	/** Number of harmonics with amplitude 1/h; 1 gives a pure sine. */
	harmonicCount?: number;
	/** Later pitches of the same bow stroke (legato): the tone moves to each without a new attack. */
	slurredPitches?: readonly SlurredPitch[];
	/** The note starts this many cents off its pitch and glides onto it over `startWobbleS` (an unsettled start). */
	startWobbleCents?: number;
	startWobbleS?: number;
	/** How long each finger change of `slurredPitches` takes to move the pitch (default 12 ms). */
	slurGlideS?: number;
}

export interface SlurredPitch {
	/** When the pitch is half-way through the finger change, from the start of the note. */
	atS: number;
	f0Hz: number;
}

const ATTACK_S = 0.01;
const RELEASE_S = 0.03;
const SLUR_GLIDE_S = 0.012;

/** mulberry32: a tiny seeded generator so "random" test signals are identical on every run. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

export function gaussianNoise(random: () => number): () => number {
	return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function renderNotes(sampleRateHz: number, durationS: number, notes: readonly SynthNote[]): Float32Array {
	const samples = new Float32Array(Math.round(durationS * sampleRateHz));
	for (const note of notes) addNote(samples, sampleRateHz, note);
	return samples;
}

function addNote(samples: Float32Array, sampleRateHz: number, note: SynthNote): void {
	const harmonicCount = note.harmonicCount ?? 6;
	let harmonicSum = 0;
	for (let h = 1; h <= harmonicCount; h++) harmonicSum += 1 / h;
	const first = Math.round(note.startS * sampleRateHz);
	const count = Math.min(Math.round(note.durationS * sampleRateHz), samples.length - first);
	const endLevelDbfs = note.endLevelDbfs ?? note.levelDbfs;
	const pitchOffsetCents = pitchOffsetCentsOf(note);
	let phase = 0;
	for (let i = 0; i < count; i++) {
		const tS = i / sampleRateHz;
		const vibratoCents = (note.vibratoExtentCents ?? 0) * Math.sin(2 * Math.PI * (note.vibratoRateHz ?? 0) * tS);
		phase += (2 * Math.PI * note.f0Hz * 2 ** ((vibratoCents + pitchOffsetCents(tS)) / 1200)) / sampleRateHz;
		const levelDbfs = note.levelDbfs + ((endLevelDbfs - note.levelDbfs) * i) / count;
		const envelope = Math.min(1, tS / ATTACK_S, (note.durationS - tS) / RELEASE_S);
		const amplitude = (10 ** (levelDbfs / 20) * envelope) / harmonicSum;
		let value = 0;
		for (let h = 1; h <= harmonicCount; h++) value += Math.sin(h * phase) / h;
		samples[first + i]! += amplitude * value;
	}
}

/**
 * Cents above the note's first pitch at time tS into the note: slurred pitch changes glide linearly
 * over the glide time, the start wobble decays linearly to 0. Expects `tS` to only grow.
 */
function pitchOffsetCentsOf(note: SynthNote): (tS: number) => number {
	const glideS = note.slurGlideS ?? SLUR_GLIDE_S;
	const steps = (note.slurredPitches ?? []).map((step) => ({ startS: step.atS - glideS / 2, cents: 1200 * Math.log2(step.f0Hz / note.f0Hz) }));
	const wobbleCents = note.startWobbleCents ?? 0;
	const wobbleS = note.startWobbleS ?? 0;
	let reached = 0;
	let fromCents = 0;
	return (tS) => {
		while (reached < steps.length && tS >= steps[reached]!.startS + glideS) fromCents = steps[reached++]!.cents;
		const gliding = steps[reached];
		const slurCents = gliding && tS >= gliding.startS ? fromCents + ((gliding.cents - fromCents) * (tS - gliding.startS)) / glideS : fromCents;
		return tS < wobbleS ? slurCents + wobbleCents * (1 - tS / wobbleS) : slurCents;
	};
}

export interface LegatoNote {
	f0Hz: number;
	durationS: number;
}

/**
 * One bow stroke that plays `notes` one after another without a new attack. Returns the SynthNote
 * and the true onset of every note: the attack, then the middle of each finger change.
 */
export function slurredNotes(startS: number, notes: readonly LegatoNote[], tone: Omit<SynthNote, "startS" | "durationS" | "f0Hz" | "slurredPitches">): { note: SynthNote; onsetsS: number[] } {
	const onsetsS: number[] = [];
	let offsetS = 0;
	for (const legatoNote of notes) {
		onsetsS.push(startS + offsetS);
		offsetS += legatoNote.durationS;
	}
	const slurredPitches = notes.slice(1).map((legatoNote, i) => ({ atS: onsetsS[i + 1]! - startS, f0Hz: legatoNote.f0Hz }));
	return { note: { ...tone, startS, durationS: offsetS, f0Hz: notes[0]!.f0Hz, slurredPitches }, onsetsS };
}

/** Adds white Gaussian noise with the given RMS level in dBFS. */
export function addNoise(samples: Float32Array, rmsDbfs: number, seed: number): Float32Array {
	const noise = gaussianNoise(seededRandom(seed));
	const rms = 10 ** (rmsDbfs / 20);
	for (let i = 0; i < samples.length; i++) samples[i]! += rms * noise();
	return samples;
}

const BYTES_PER_SAMPLE = { "16": 2, "24": 3, "32f": 4 } as const;

/**
 * Writes interleaved PCM (or IEEE float for "32f") WAV. Hand-rolled because wavefile packs sample
 * by sample and takes 4 s for the 5-minute recordings the tests and benchmark need.
 */
export async function writeWav(
	path: string,
	channels: Float32Array | Float32Array[],
	sampleRateHz: number,
	bitDepth: keyof typeof BYTES_PER_SAMPLE = "16"
): Promise<void> {
	const channelList = Array.isArray(channels) ? channels : [channels];
	const bytesPerSample = BYTES_PER_SAMPLE[bitDepth];
	const frameCount = channelList[0]!.length;
	const blockAlign = bytesPerSample * channelList.length;
	const file = Buffer.alloc(44 + frameCount * blockAlign);
	file.write("RIFF", 0, "ascii");
	file.writeUInt32LE(36 + frameCount * blockAlign, 4);
	file.write("WAVEfmt ", 8, "ascii");
	file.writeUInt32LE(16, 16);
	file.writeUInt16LE(bitDepth === "32f" ? 3 : 1, 20);
	file.writeUInt16LE(channelList.length, 22);
	file.writeUInt32LE(sampleRateHz, 24);
	file.writeUInt32LE(sampleRateHz * blockAlign, 28);
	file.writeUInt16LE(blockAlign, 32);
	file.writeUInt16LE(bytesPerSample * 8, 34);
	file.write("data", 36, "ascii");
	file.writeUInt32LE(frameCount * blockAlign, 40);
	const clamp = (value: number) => Math.max(-1, Math.min(1, value));
	for (let frame = 0; frame < frameCount; frame++) {
		channelList.forEach((channel, channelIndex) => {
			const offset = 44 + frame * blockAlign + channelIndex * bytesPerSample;
			const value = channel[frame]!;
			if (bitDepth === "32f") file.writeFloatLE(value, offset);
			else if (bitDepth === "24") file.writeIntLE(Math.round(clamp(value) * 8_388_607), offset, 3);
			else file.writeInt16LE(Math.round(clamp(value) * 32_767), offset);
		});
	}
	await writeFile(path, file);
}
