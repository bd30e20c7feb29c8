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
}

const ATTACK_S = 0.01;
const RELEASE_S = 0.03;

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
	let phase = 0;
	for (let i = 0; i < count; i++) {
		const tS = i / sampleRateHz;
		const vibratoCents = (note.vibratoExtentCents ?? 0) * Math.sin(2 * Math.PI * (note.vibratoRateHz ?? 0) * tS);
		phase += (2 * Math.PI * note.f0Hz * 2 ** (vibratoCents / 1200)) / sampleRateHz;
		const levelDbfs = note.levelDbfs + ((endLevelDbfs - note.levelDbfs) * i) / count;
		const envelope = Math.min(1, tS / ATTACK_S, (note.durationS - tS) / RELEASE_S);
		const amplitude = (10 ** (levelDbfs / 20) * envelope) / harmonicSum;
		let value = 0;
		for (let h = 1; h <= harmonicCount; h++) value += Math.sin(h * phase) / h;
		samples[first + i]! += amplitude * value;
	}
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
