import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Service } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStorage } from "../../lib/storage";
import { audioReadyMessage, putSyntheticTake, waitUntil } from "../../services/analytics/recording-fixtures";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { generateClip } from "../support/media-fixtures";
import { startTestApi, TEST_JWT_SECRET, type TestApi } from "../support/test-node";
import { tusUpload } from "../support/tus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * No job stays unfinished for ever: a worker whose every delivery fails (storage down) leaves the
 * recording `failed` with a code the app shows, after exactly the configured deliveries, over
 * JetStream (dead-letter queue) and in-process; an operator re-queues it once the cause is gone.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const DELIVERIES = 2;
const repositoryRoot = path.resolve(import.meta.dirname, "../..");

interface StorageService extends Service {
	storage: ObjectStorage;
}

/** Makes a service's object storage fail every read until the returned function is called. */
/** Reading a stored object fails, whether streamed (get) or located for ffmpeg to read in place (locate). */
function breakStorageReads(service: StorageService): () => void {
	const { get, locate } = service.storage;
	const unavailable = async () => {
		throw new Error("storage is unavailable (injected by the test)");
	};
	service.storage.get = unavailable;
	service.storage.locate = unavailable;
	return () => {
		service.storage.get = get;
		service.storage.locate = locate;
	};
}

async function analysisOf(http: ReturnType<typeof httpClient>, student: Account, sessionId: string) {
	return http.request("GET", `/api/sessions/${sessionId}/metrics`, { token: student.token });
}

describe("jobs that exhaust their deliveries over JetStream", () => {
	const namespace = `stuck-${randomUUID().slice(0, 8)}`;
	let api: TestApi;
	let http: ReturnType<typeof httpClient>;
	let workDir: string;
	let clip: Buffer;

	beforeAll(async () => {
		workDir = await mkdtemp(path.join(os.tmpdir(), "etude-stuck-"));
		clip = await readFile(await generateClip(path.join(workDir, "clip.mp4"), { durationSeconds: 2, width: 320, height: 240 }));
		api = await startTestApi(testDatabaseUrl(), { TRANSPORTER: NATS_URL, NAMESPACE: namespace, CHANNEL_MAX_DELIVERIES: String(DELIVERIES) });
		http = httpClient(api.baseUrl);
	}, 120_000);
	afterAll(async () => {
		await api?.stop();
		await rm(workDir, { recursive: true, force: true });
	});

	async function requeue(videoId: string): Promise<string> {
		const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/requeue.ts", videoId], {
			cwd: repositoryRoot,
			env: { ...process.env, TRANSPORTER: NATS_URL, NAMESPACE: namespace, DATABASE_URL: testDatabaseUrl(), JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: workDir }
		});
		return stdout;
	}

	it("ends a recording whose processing always fails as failed, then processes it once re-queued", async () => {
		// The workers read the upload; the media API side never does.
		const media = api.node.broker.getLocalService("media-worker") as StorageService;
		const student = await http.register("student");
		const session = (await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		const repair = breakStorageReads(media);
		await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video", filename: "take.mp4" } });

		let video: { id: string; state: string; failureCode: string | null; failureReason: string | null } | undefined;
		await waitUntil(async () => {
			video = (await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).body.videos?.[0];
			return video?.state === "failed";
		}, "the recording to end failed", 60_000);
		expect(video).toMatchObject({ failureCode: "ERR_PROCESSING_FAILED", failureReason: expect.stringMatching(/upload it again/) });

		repair();
		expect(await requeue(video!.id)).toContain(`Processing queued again: ${video!.id}`);
		await waitUntil(async () => {
			video = (await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).body.videos?.[0];
			return video?.state === "ready";
		}, "the re-queued recording to be ready", 90_000);
	}, 180_000);

	it("ends an analysis that always fails as failed, shown to the app, then analyses it once re-queued", async () => {
		const analytics = api.node.broker.getLocalService("analytics") as StorageService;
		const student = await http.register("student");
		const session = (await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		const take = await putSyntheticTake(analytics.storage, 100);
		const videoId = randomUUID();
		const repair = breakStorageReads(analytics);
		await api.node.broker.sendToChannel(
			"media.audio_ready",
			audioReadyMessage({ videoId, sessionId: session.id, studentId: student.id, audioKey: take.audioKey, recordedAt: session.startedAt, durationMs: take.durationMs })
		);
		await waitUntil(async () => (await analysisOf(http, student, session.id)).body.details?.state === "failed", "the analysis to end failed", 60_000);
		expect((await analysisOf(http, student, session.id)).body).toMatchObject({ code: "ERR_METRICS_NOT_READY", details: { failureCode: "ERR_ANALYSIS_FAILED" } });

		repair();
		expect(await requeue(videoId)).toContain(`Analysis queued again: ${videoId}`);
		await waitUntil(async () => (await analysisOf(http, student, session.id)).status === 200, "the re-queued analysis to finish", 60_000);
	}, 120_000);
});

describe("an analysis that always fails on the embedded default's in-process channels", () => {
	let api: TestApi;
	let http: ReturnType<typeof httpClient>;

	beforeAll(async () => {
		api = await startTestApi(testDatabaseUrl(), { CHANNEL_MAX_DELIVERIES: String(DELIVERIES) });
		http = httpClient(api.baseUrl);
	});
	afterAll(() => api.stop());

	it("stops after the configured deliveries and ends failed", async () => {
		const analytics = api.node.broker.getLocalService("analytics") as StorageService;
		const student = await http.register("student");
		const session = (await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		const take = await putSyntheticTake(analytics.storage, 100);
		breakStorageReads(analytics);
		let reads = 0;
		const failingGet = analytics.storage.get;
		analytics.storage.get = async (key: string) => {
			reads += 1;
			return failingGet(key);
		};
		await api.node.broker.sendToChannel(
			"media.audio_ready",
			audioReadyMessage({ videoId: randomUUID(), sessionId: session.id, studentId: student.id, audioKey: take.audioKey, recordedAt: session.startedAt, durationMs: take.durationMs })
		);
		await waitUntil(async () => (await analysisOf(http, student, session.id)).body.details?.state === "failed", "the analysis to end failed", 60_000);
		expect((await analysisOf(http, student, session.id)).body.details, "the analysis as the app sees it").toMatchObject({ failureCode: "ERR_ANALYSIS_FAILED" });
		expect(reads).toBe(DELIVERIES);
	}, 90_000);
});
