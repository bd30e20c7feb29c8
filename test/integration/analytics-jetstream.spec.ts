import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EtudeNode } from "../../lib/node";
import { createObjectStorage } from "../../lib/storage";
import { objectStorageConfig } from "../../mixins/storage.mixin";
import { audioReadyMessage, listenForAnalysisOutcomes, putCorruptTake, putSyntheticTake, waitUntil, type AnalysisOutcome } from "../../services/analytics/recording-fixtures";
import { httpClient, practiceSession } from "../support/http-client";
import { startTestApi, startTestWorker, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Distributed, over NATS JetStream: the gateway node sends media.audio_ready while no analytics
 * worker runs (the one that created the durable consumer has gone, as in a redeploy); a worker
 * started afterwards, on another node id, still receives and analyses it. A recording the
 * analyser refuses is handled once, not redelivered.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const namespace = `analytics-${randomUUID().slice(0, 8)}`;
let sharedDataDir: string;
let gateway: TestApi;
let database: pg.Client;
let outcomes: AnalysisOutcome[];

function clusterEnvironment(extra: Record<string, string>): Record<string, string> {
	return { TRANSPORTER: NATS_URL, NAMESPACE: namespace, DATA_DIR: sharedDataDir, ...extra };
}

async function startWorker(nodeId: string): Promise<EtudeNode> {
	return startTestWorker(testDatabaseUrl(), { SERVICES: "analytics", ...clusterEnvironment({ NODE_ID: nodeId }) });
}

beforeAll(async () => {
	sharedDataDir = await mkdtemp(path.join(os.tmpdir(), "etude-analytics-js-"));
	gateway = await startTestApi(testDatabaseUrl(), clusterEnvironment({ NODE_ID: "gateway", SERVICES: "api,auth,practice,media" }));
	outcomes = listenForAnalysisOutcomes(gateway.node.broker);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	// The worker group's durable consumer exists from an earlier deployment.
	const earlierWorker = await startWorker("analytics-old");
	await earlierWorker.stop();
});
afterAll(async () => {
	await database?.end();
	await gateway?.stop();
	if (sharedDataDir) await rm(sharedDataDir, { recursive: true, force: true });
});

describe("analysis over NATS JetStream", () => {
	it("analyses a message sent while no worker was running once a worker starts, and does not retry a refused recording", async () => {
		const http = httpClient(gateway.baseUrl);
		const student = await http.register("student", "Jet");
		const session = practiceSession();
		expect((await http.request("POST", "/api/sessions", { token: student.token, body: session })).status).toBe(201);
		const storage = createObjectStorage(objectStorageConfig(gateway.node.config));
		const good = audioReadyMessage({ sessionId: session.id, studentId: student.id, audioKey: (await putSyntheticTake(storage, 90)).audioKey, recordedAt: session.startedAt });
		const corrupt = audioReadyMessage({ sessionId: session.id, studentId: student.id, audioKey: await putCorruptTake(storage), recordedAt: session.startedAt });
		await gateway.node.broker.sendToChannel("media.audio_ready", good);
		await gateway.node.broker.sendToChannel("media.audio_ready", corrupt);

		await new Promise((resolve) => setTimeout(resolve, 300));
		const before = await database.query("SELECT 1 FROM metric_analyses WHERE video_id = ANY($1::uuid[])", [[good.videoId, corrupt.videoId]]);
		expect(before.rows).toHaveLength(0);

		const worker = await startWorker("analytics-new");
		try {
			await waitUntil(() => outcomes.length >= 2, "both recordings to be handled");
			await gateway.node.broker.waitForServices("analytics", 10_000);
			const metrics = await http.request("GET", `/api/sessions/${session.id}/metrics`, { token: student.token });
			expect(metrics.status).toBe(200);
			expect(metrics.body.videoId).toBe(good.videoId);
			expect(metrics.body.summary.tempoBpm).toBeCloseTo(90, 0);
			// A redelivery of the refused recording would arrive within this wait (handler errors are nak'd at once).
			await new Promise((resolve) => setTimeout(resolve, 1500));
			expect(outcomes.filter((outcome) => outcome.videoId === corrupt.videoId)).toEqual([{ event: "failed", videoId: corrupt.videoId }]);
			const { rows } = await database.query("SELECT status, error_code FROM metric_analyses WHERE video_id = $1", [corrupt.videoId]);
			expect(rows).toEqual([{ status: "failed", error_code: "ERR_NOT_DECODABLE" }]);
		} finally {
			await worker.stop();
		}
	});
});
