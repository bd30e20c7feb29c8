/**
 * Audio analysis throughput: `npm run bench:analysis`.
 * Synthesises a 5-minute practice recording, times `analyseRecording` on it (streamed from a WAV on
 * disk, one JS thread) and, in the same run, a bare fft.js pass with the same frame and hop as the
 * baseline. Target (docs/BRIEF): ≥ 100× real time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import FFT from "fft.js";
import { analyseRecording } from "../../services/analytics/analyser";
import { frameLayoutFor } from "../../services/analytics/analyser/frame-features";
import { addNoise, renderNotes, seededRandom, slurredNotes, writeWav, type SynthNote } from "../../services/analytics/analyser/synthetic-signals";

const SAMPLE_RATE_HZ = 22_050;
const DURATION_S = 300;
const EXCERPT_S = 30;
const RUNS = 3;
const TARGET_REAL_TIME_FACTOR = 100;

/**
 * Phrases on an eighth-note grid at 100 bpm with human timing: runs of eighths, held notes with
 * vibrato, swells, rests. Every third phrase is slurred four notes to a bow (finger changes of 20–60 ms).
 */
function practiceRecording(): { samples: Float32Array; noteCount: number } {
	const eighthS = 0.3;
	const noteLengthsInEighths = [1, 1, 1, 1, 1, 2, 4];
	const random = seededRandom(2026);
	const notes: SynthNote[] = [];
	let noteCount = 0;
	let bow: { onsetsS: number[]; f0sHz: number[]; lastDurationS: number; levelDbfs: number } | null = null;
	const finishBow = () => {
		if (!bow) return;
		const { onsetsS, f0sHz, lastDurationS, levelDbfs } = bow;
		const pitches = f0sHz.map((f0Hz, i) => ({ f0Hz, durationS: (onsetsS[i + 1] ?? onsetsS[i]! + lastDurationS) - onsetsS[i]! }));
		notes.push(slurredNotes(onsetsS[0]!, pitches, { levelDbfs, slurGlideS: 0.02 + random() * 0.04 }).note);
		bow = null;
	};
	let gridS = 0.5;
	let semitone = 0;
	for (let phrase = 0; gridS < DURATION_S - 3; phrase++) {
		const phraseNotes = 8 + Math.floor(random() * 8);
		const phraseLevelDbfs = -30 + random() * 18;
		const isSlurred = phrase % 3 === 2;
		for (let i = 0; i < phraseNotes && gridS < DURATION_S - 3; i++) {
			const eighths = noteLengthsInEighths[Math.floor(random() * noteLengthsInEighths.length)]!;
			const isLong = eighths >= 2;
			const startS = gridS + (random() - 0.5) * 0.02;
			const durationS = eighths * eighthS * 0.92;
			// Steps of one or two semitones, turning back at the ends of the range, so every slurred note changes pitch.
			const step = (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 2));
			semitone += semitone + step < -14 || semitone + step > 19 ? -step : step;
			const f0Hz = 440 * 2 ** ((semitone + (random() - 0.5) * 0.2) / 12);
			noteCount++;
			gridS += eighths * eighthS;
			if (!isSlurred) {
				const vibrato = isLong ? { vibratoRateHz: 5 + random() * 2, vibratoExtentCents: 15 + random() * 30 } : {};
				notes.push({ startS, durationS, f0Hz, levelDbfs: phraseLevelDbfs + i, endLevelDbfs: phraseLevelDbfs + i + (isLong ? 4 : 0), ...vibrato });
				continue;
			}
			if (bow && bow.onsetsS.length < 4) {
				bow.onsetsS.push(startS);
				bow.f0sHz.push(f0Hz);
				bow.lastDurationS = durationS;
			} else {
				finishBow();
				bow = { onsetsS: [startS], f0sHz: [f0Hz], lastDurationS: durationS, levelDbfs: phraseLevelDbfs + i };
			}
		}
		finishBow();
		gridS += eighthS * (2 + Math.floor(random() * 3));
	}
	return { samples: addNoise(renderNotes(SAMPLE_RATE_HZ, DURATION_S, notes), -55, 7), noteCount };
}

function bareFftPass(samples: Float32Array): number {
	const { frameSize, hopSize } = frameLayoutFor(SAMPLE_RATE_HZ);
	const fft = new FFT(frameSize);
	const spectrum = fft.createComplexArray() as number[];
	const windowed = new Float64Array(frameSize);
	const hann = Float64Array.from({ length: frameSize }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frameSize));
	let checksum = 0;
	for (let offset = 0; offset + frameSize <= samples.length; offset += hopSize) {
		for (let i = 0; i < frameSize; i++) windowed[i] = samples[offset + i]! * hann[i]!;
		fft.realTransform(spectrum, windowed);
		checksum += spectrum[2]!;
	}
	return checksum;
}

function print(line: string): void {
	process.stdout.write(`${line}\n`);
}

interface Timing {
	wallMs: number;
	cpuMs: number;
}

async function timed(task: () => unknown): Promise<Timing> {
	const cpuBefore = process.cpuUsage();
	const start = performance.now();
	await task();
	const wallMs = performance.now() - start;
	const cpu = process.cpuUsage(cpuBefore);
	return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function bestOf(runs: number, task: () => unknown): Promise<Timing> {
	const timings: Timing[] = [];
	for (let run = 0; run < runs; run++) timings.push(await timed(task));
	return timings.reduce((best, timing) => (timing.wallMs < best.wallMs ? timing : best));
}

/**
 * Peak growth of RSS and of live memory (JS heap + buffers and typed arrays) over the task. With --expose-gc (as `npm run bench:analysis`
 * runs it) the heap is collected before every 5 ms sample, so the figure is what the analysis holds,
 * not garbage waiting for the collector.
 */
async function peakMemoryDuring(task: () => Promise<unknown>): Promise<{ rssBytes: number; liveBytes: number }> {
	const collect = () => (globalThis as { gc?: () => void }).gc?.();
	collect();
	// Backing stores of freed buffers (the WAV just written) are released a moment after the collection.
	await sleep(20);
	collect();
	const before = process.memoryUsage();
	let peakRss = before.rss;
	const liveBytes = (memory: NodeJS.MemoryUsage) => memory.heapUsed + memory.external;
	let peakLive = liveBytes(before);
	const sample = () => {
		collect();
		const memory = process.memoryUsage();
		peakRss = Math.max(peakRss, memory.rss);
		peakLive = Math.max(peakLive, liveBytes(memory));
	};
	const sampler = setInterval(sample, 5);
	await task();
	clearInterval(sampler);
	return { rssBytes: peakRss - before.rss, liveBytes: peakLive - liveBytes(before) };
}

const directory = await mkdtemp(join(tmpdir(), "etude-bench-analysis-"));
try {
	const { samples, noteCount } = practiceRecording();
	const wavPath = join(directory, "practice.wav");
	await writeWav(wavPath, samples, SAMPLE_RATE_HZ);

	const excerptPath = join(directory, "excerpt.wav");
	await writeWav(excerptPath, samples.subarray(0, EXCERPT_S * SAMPLE_RATE_HZ), SAMPLE_RATE_HZ);

	const baseline = await bestOf(RUNS, () => bareFftPass(samples));
	let result: Awaited<ReturnType<typeof analyseRecording>> | undefined;
	const analysis = await bestOf(RUNS, async () => {
		result = await analyseRecording({ wavPath });
	});
	const excerptMemory = await peakMemoryDuring(() => analyseRecording({ wavPath: excerptPath }));
	const fullMemory = await peakMemoryDuring(() => analyseRecording({ wavPath }));

	const realTime = (elapsedMs: number) => (DURATION_S * 1000) / elapsedMs;
	const row = (name: string, timing: Timing) =>
		`| ${name.padEnd(44)} | ${timing.wallMs.toFixed(0).padStart(7)} | ${timing.cpuMs.toFixed(0).padStart(7)} | ${realTime(timing.wallMs).toFixed(0).padStart(8)}× | ${realTime(timing.cpuMs).toFixed(0).padStart(7)}× |`;
	const { frameSize, hopSize } = frameLayoutFor(SAMPLE_RATE_HZ);
	// Wall time suffers when other processes share the cores; CPU time shows what one free core does.
	print(`CPU: ${cpus()[0]?.model ?? "unknown"} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}); Node ${process.version}; best of ${RUNS} runs`);
	print(`Audio: ${DURATION_S} s synthetic practice recording, mono 16-bit ${SAMPLE_RATE_HZ} Hz WAV (${((samples.length * 2) / 1e6).toFixed(1)} MB), frame ${frameSize} / hop ${hopSize}`);
	print("| step                                         | wall ms |  CPU ms | RT (wall) | RT (CPU) |");
	print("|----------------------------------------------|---------|---------|-----------|----------|");
	print(row("analyseRecording (WAV streamed from disk)", analysis));
	print(row("baseline: bare fft.js pass, same frame/hop", baseline));
	print(`Analysis costs ${(analysis.cpuMs / baseline.cpuMs).toFixed(1)}× the CPU time of the bare FFT pass.`);
	const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
	// frame RMS + flux per hop and f0 per pitch frame, 8 bytes each
	const perFrameBytes = (samples.length / hopSize) * 2.5 * 8;
	const gcNote = "gc" in globalThis ? "heap + buffers, collected before each sample" : "heap + buffers incl. garbage: run with --expose-gc for live memory";
	print(`Peak memory growth while analysing (${gcNote}):`);
	print(`  ${EXCERPT_S} s excerpt: RSS +${megabytes(excerptMemory.rssBytes)}, live +${megabytes(excerptMemory.liveBytes)}`);
	print(`  ${DURATION_S} s recording: RSS +${megabytes(fullMemory.rssBytes)}, live +${megabytes(fullMemory.liveBytes)} (the WAV itself is ${megabytes(samples.length * 2)}; per-frame scalars are ~${megabytes(perFrameBytes)})`);
	const verdict = (factor: number) => (factor >= TARGET_REAL_TIME_FACTOR ? "met" : "NOT met");
	print(`Target ≥ ${TARGET_REAL_TIME_FACTOR}× real time: ${verdict(realTime(analysis.wallMs))} by wall time, ${verdict(realTime(analysis.cpuMs))} by CPU time`);
	const metrics = result!.metrics;
	print(`Sanity: ${metrics.onsetCount} onsets for ${noteCount} notes, ${metrics.sustainedNoteCount} sustained notes, vibrato ${metrics.vibratoRateHz?.toFixed(2)} Hz / ${metrics.vibratoExtentCents?.toFixed(1)} cents, range ${metrics.dynamicRangeDb?.toFixed(1)} dB, tempo ${metrics.tempoBpm?.toFixed(1) ?? result!.missing.tempoBpm} bpm (eighth notes at 100 bpm: 200)`);
} finally {
	await rm(directory, { recursive: true, force: true });
}
