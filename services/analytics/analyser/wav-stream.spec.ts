import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNotes, writeWav } from "./synthetic-signals";
import { openWav, streamMonoSamples } from "./wav-stream";

let directory: string;
beforeAll(async () => {
	directory = await mkdtemp(join(tmpdir(), "etude-wav-stream-"));
});
afterAll(async () => {
	await rm(directory, { recursive: true, force: true });
});

const tone = renderNotes(8000, 0.5, [{ startS: 0, durationS: 0.5, f0Hz: 440, levelDbfs: -3 }]);

async function readAll(path: string, chunkFrames?: number): Promise<Float32Array> {
	const { file, format } = await openWav(path);
	try {
		const chunks: Float32Array[] = [];
		for await (const chunk of streamMonoSamples(file, format, chunkFrames)) chunks.push(chunk.slice());
		const samples = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
		let offset = 0;
		for (const chunk of chunks) {
			samples.set(chunk, offset);
			offset += chunk.length;
		}
		return samples;
	} finally {
		await file.close();
	}
}

function maxDifference(a: Float32Array, b: Float32Array): number {
	expect(a).toHaveLength(b.length);
	return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
}

/** A copy of a WAV with bytes changed, for headers other encoders write but ours does not. */
async function patchedCopy(source: string, name: string, patch: (bytes: Buffer) => Buffer): Promise<string> {
	const path = join(directory, name);
	await writeFile(path, patch(await readFile(source)));
	return path;
}

describe("WAV streaming", () => {
	it.each([
		{ bitDepth: "8", scale: 128, offset: 128, tolerance: 1 / 64 },
		{ bitDepth: "16", scale: 32_767, offset: 0, tolerance: 1e-4 },
		{ bitDepth: "24", scale: 8_388_607, offset: 0, tolerance: 1e-6 },
		{ bitDepth: "32", scale: 2_147_483_647, offset: 0, tolerance: 1e-6 },
		{ bitDepth: "32f", scale: 1, offset: 0, tolerance: 1e-7 },
		{ bitDepth: "64", scale: 1, offset: 0, tolerance: 1e-7 }
	])("decodes $bitDepth-bit files written by wavefile to the original samples", async ({ bitDepth, scale, offset, tolerance }) => {
		const path = join(directory, `wavefile-${bitDepth}.wav`);
		const wav = new wavefile.WaveFile();
		const encoded = scale === 1 ? Float64Array.from(tone) : Float64Array.from(tone, (value) => Math.round(value * scale) + offset);
		wav.fromScratch(1, 8000, bitDepth, encoded);
		await writeFile(path, wav.toBuffer());
		expect(maxDifference(await readAll(path), tone)).toBeLessThanOrEqual(tolerance);
	});

	it("yields the same samples whatever the chunk size", async () => {
		const path = join(directory, "chunks.wav");
		await writeWav(path, tone, 8000);
		expect(maxDifference(await readAll(path, 777), await readAll(path))).toBe(0);
	});

	it("averages the channels of a stereo file", async () => {
		const path = join(directory, "stereo.wav");
		await writeWav(path, [new Float32Array(100).fill(0.5), new Float32Array(100).fill(-0.25)], 8000, "32f");
		const samples = await readAll(path);
		expect(samples.every((value) => value === 0.125)).toBe(true);
	});

	it.each([0, 0xffffffff])("reads to the end of the file when a streaming encoder left the data size at %i", async (dataSize) => {
		const path = join(directory, "sized.wav");
		await writeWav(path, tone, 8000);
		const patched = await patchedCopy(path, `unsized-${dataSize}.wav`, (bytes) => {
			bytes.writeUInt32LE(dataSize, 40);
			return bytes;
		});
		expect(maxDifference(await readAll(patched), await readAll(path))).toBe(0);
	});

	it("skips odd-sized chunks (and their pad byte) before the data chunk", async () => {
		const path = join(directory, "plain.wav");
		await writeWav(path, tone, 8000);
		const withList = await patchedCopy(path, "with-list.wav", (bytes) => {
			const list = Buffer.from([...Buffer.from("LIST"), 3, 0, 0, 0, 1, 2, 3, 0]);
			return Buffer.concat([bytes.subarray(0, 36), list, bytes.subarray(36)]);
		});
		expect(maxDifference(await readAll(withList), await readAll(path))).toBe(0);
	});

	it("rejects a data chunk that comes before the fmt chunk", async () => {
		const path = join(directory, "reordered.wav");
		const bytes = Buffer.alloc(12 + 8 + 4);
		bytes.write("RIFFxxxxWAVEdata", 0, "ascii");
		bytes.writeUInt32LE(4, 16);
		await writeFile(path, bytes);
		await expect(openWav(path)).rejects.toMatchObject({ type: "ERR_NOT_DECODABLE" });
	});

	it("writes test WAVs that wavefile reads back to the same samples", async () => {
		const path = join(directory, "writer-check.wav");
		await writeWav(path, [tone, tone], 8000, "24");
		const wav = new wavefile.WaveFile(await readFile(path));
		const interleaved = wav.getSamples(true, Float64Array);
		expect(interleaved.length).toBe(2 * tone.length);
		expect(interleaved.every((value, i) => Math.abs(value / 8_388_607 - tone[Math.floor(i / 2)]!) < 1e-6)).toBe(true);
	});
});
