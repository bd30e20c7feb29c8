import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import { newObjectKey, type ObjectStorage } from "../../lib/storage";
import { renderNotes, writeWav, type SynthNote } from "./analyser/synthetic-signals";
import type { AudioReadyMessage } from "../media/media.service";

/** What the media worker extracts: mono 16-bit PCM at this rate. */
export const EXTRACTED_AUDIO_RATE_HZ = 22_050;

/**
 * Stores a synthetic take of `noteCount` notes at `tempoBpm` (known truth for tempo and pitch)
 * the way the media worker would, and returns its key and length. Tests and the benchmark use it.
 */
export async function putSyntheticTake(storage: ObjectStorage, tempoBpm: number, noteCount = 16): Promise<{ audioKey: string; durationMs: number }> {
	const intervalS = 60 / tempoBpm;
	const notes: SynthNote[] = Array.from({ length: noteCount }, (_, index) => ({
		startS: 0.3 + index * intervalS,
		durationS: intervalS * 0.8,
		f0Hz: [392, 440, 494, 523][index % 4]!,
		levelDbfs: -12
	}));
	const durationS = 0.6 + noteCount * intervalS;
	const directory = await mkdtemp(path.join(os.tmpdir(), "etude-take-"));
	try {
		const wavPath = path.join(directory, "take.wav");
		await writeWav(wavPath, renderNotes(EXTRACTED_AUDIO_RATE_HZ, durationS, notes), EXTRACTED_AUDIO_RATE_HZ);
		const audioKey = newObjectKey("recordings", "audio.wav");
		await storage.put(audioKey, await readFile(wavPath), { contentType: "audio/wav" });
		return { audioKey, durationMs: durationS * 1000 };
	} finally {
		await rm(directory, { recursive: true, force: true });
	}
}

/** A version-1 JSON sensor file: a slow bow stroke with an 8 Hz tremor about one axis, 100 Hz for `durationMs`. */
export async function putSensorFile(storage: ObjectStorage, durationMs: number): Promise<string> {
	const samples = Array.from({ length: Math.floor(durationMs / 10) }, (_, index) => {
		const tS = index / 100;
		const angularVelocity = Math.sin(2 * Math.PI * 0.5 * tS) + 0.05 * Math.sin(2 * Math.PI * 8 * tS);
		return { t: index * 10, gyro: [angularVelocity, 0.1 * angularVelocity, 0] };
	});
	const sensorsKey = newObjectKey("recordings", "sensors.json");
	await storage.put(sensorsKey, Buffer.from(JSON.stringify({ version: 1, startedAt: new Date().toISOString(), samples })), { contentType: "application/json" });
	return sensorsKey;
}

/** Bytes that are no WAV at all, as a truncated or mislabelled upload would give. */
export async function putCorruptTake(storage: ObjectStorage): Promise<string> {
	const audioKey = newObjectKey("recordings", "audio.wav");
	await storage.put(audioKey, Buffer.from("RIFX this is not a wave file at all"), { contentType: "audio/wav" });
	return audioKey;
}

export function audioReadyMessage(fields: Pick<AudioReadyMessage, "sessionId" | "studentId" | "audioKey" | "recordedAt"> & Partial<AudioReadyMessage>): AudioReadyMessage {
	return { videoId: randomUUID(), sensorsKey: null, durationMs: 0, ...fields };
}

export interface AnalysisOutcome {
	event: "ready" | "failed";
	videoId: string;
}

/** Collects every analytics.metrics_ready / metrics_failed event the broker hears, in order. */
export function listenForAnalysisOutcomes(broker: ServiceBroker): AnalysisOutcome[] {
	const outcomes: AnalysisOutcome[] = [];
	const record = (event: AnalysisOutcome["event"]) => (ctx: { params: { videoId: string } }) => {
		outcomes.push({ event, videoId: ctx.params.videoId });
	};
	broker.createService({
		name: "analytics-outcomes",
		events: { "analytics.metrics_ready": record("ready"), "analytics.metrics_failed": record("failed") }
	});
	return outcomes;
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
	for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
		if (await condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`timed out waiting for ${what}`);
}
