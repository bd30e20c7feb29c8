/**
 * Prints the practice metrics of a recording as JSON:
 *   npm run analyze -- <recording.wav|.mp4|any media> [--sensors motion.json|motion.csv] [--a4 442]
 * Non-WAV media is first converted with ffmpeg to the mono 16-bit 22 050 Hz WAV the media worker produces.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { parseArgs } from "node:util";
import ffmpeg from "fluent-ffmpeg";
import { parseSensorFile } from "../lib/sensor-file";
import { analyseRecording } from "../services/analytics/analyser";

const USAGE = "usage: npm run analyze -- <recording.wav|media file> [--sensors motion.json|motion.csv] [--a4 442]";
const EXTRACTED_SAMPLE_RATE_HZ = 22_050;

function extractMonoWav(inputPath: string, wavPath: string): Promise<void> {
	return new Promise((resolve, reject) => {
		ffmpeg(inputPath)
			.noVideo()
			.audioChannels(1)
			.audioFrequency(EXTRACTED_SAMPLE_RATE_HZ)
			.audioCodec("pcm_s16le")
			.format("wav")
			.on("end", () => resolve())
			.on("error", (error: Error) => reject(new Error(`ffmpeg could not extract audio: ${error.message}`)))
			.save(wavPath);
	});
}

async function main(): Promise<void> {
	const { positionals, values } = parseArgs({
		allowPositionals: true,
		options: { sensors: { type: "string" }, a4: { type: "string" } }
	});
	const [inputPath] = positionals;
	if (!inputPath || positionals.length > 1) {
		process.stderr.write(`${USAGE}\n`);
		process.exitCode = 2;
		return;
	}
	// The format is recognised from the content: JSON starts with "{", CSV with its header.
	const sensors = values.sensors ? parseSensorFile(await readFile(values.sensors)) : null;
	const a4Hz = values.a4 === undefined ? undefined : Number(values.a4);
	const isWav = extname(inputPath).toLowerCase() === ".wav";
	const workDirectory = isWav ? null : await mkdtemp(join(tmpdir(), "etude-analyze-"));
	try {
		const wavPath = workDirectory ? join(workDirectory, "audio.wav") : inputPath;
		if (workDirectory) await extractMonoWav(inputPath, wavPath);
		const result = await analyseRecording({ wavPath, sensors, ...(a4Hz === undefined ? {} : { a4Hz }) });
		process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
	} finally {
		if (workDirectory) await rm(workDirectory, { recursive: true, force: true });
	}
}

main().catch((error: Error & { type?: string; data?: unknown }) => {
	process.stderr.write(`${JSON.stringify({ error: { type: error.type ?? "ERR_ANALYSIS_FAILED", message: error.message, data: error.data } })}\n`);
	process.exitCode = 1;
});
