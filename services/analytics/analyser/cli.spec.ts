import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SENSOR_CSV_HEADER } from "../../../lib/sensor-file";
import { renderNotes, writeWav } from "./synthetic-signals";
import type { AnalysisResult } from "./index";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "scripts/analyze.ts"];
let directory: string;

beforeAll(async () => {
	directory = await mkdtemp(join(tmpdir(), "etude-analyze-cli-"));
});
afterAll(async () => {
	await rm(directory, { recursive: true, force: true });
});

async function analyzeCli(...args: string[]): Promise<AnalysisResult> {
	const { stdout } = await run(process.execPath, [...CLI, ...args], { cwd: process.cwd() });
	return JSON.parse(stdout) as AnalysisResult;
}

describe("analyze CLI", () => {
	it("prints the metrics of a WAV with its motion file and a custom A4 as JSON", async () => {
		const wavPath = join(directory, "take.wav");
		await writeWav(wavPath, renderNotes(22_050, 2, [{ startS: 0, durationS: 2, f0Hz: 442 * 2 ** (-6 / 1200), levelDbfs: -12 }]), 22_050);
		const csvPath = join(directory, "motion.csv");
		const rows = Array.from({ length: 500 }, (_, i) => `${i * 10},${0.1 * Math.sin(i)},0,0,,,`);
		await writeFile(csvPath, [SENSOR_CSV_HEADER, ...rows].join("\n"));

		const result = await analyzeCli(wavPath, "--sensors", csvPath, "--a4", "442");

		expect(result.a4Hz).toBe(442);
		expect(Math.abs(result.metrics.intonationMeanDeviationCents! + 6)).toBeLessThanOrEqual(3);
		expect(result.metrics.bowStabilityRmsRadPerS).toBeGreaterThan(0);
		expect(result.curves.tMs).toHaveLength(20);
	}, 30_000);

	it("extracts audio from other media with ffmpeg, and reports undecodable input as a typed error", async () => {
		const wavPath = join(directory, "source.wav");
		await writeWav(wavPath, renderNotes(44_100, 1.5, [{ startS: 0, durationS: 1.5, f0Hz: 330, levelDbfs: -12 }]), 44_100);
		const flacPath = join(directory, "take.flac");
		await run("ffmpeg", ["-v", "error", "-i", wavPath, flacPath]);
		const result = await analyzeCli(flacPath);
		expect(result.sampleRateHz).toBe(22_050);
		expect(Math.abs(result.metrics.intonationMeanDeviationCents!)).toBeLessThanOrEqual(3);

		const textPath = join(directory, "notes.wav");
		await writeFile(textPath, "not audio");
		const failure = await run(process.execPath, [...CLI, textPath]).catch((error: { code: number; stderr: string }) => error);
		expect(failure).toMatchObject({ code: 1 });
		expect(JSON.parse((failure as { stderr: string }).stderr).error.type).toBe("ERR_NOT_DECODABLE");
	}, 30_000);
});
