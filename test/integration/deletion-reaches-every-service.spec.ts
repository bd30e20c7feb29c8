import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "../../broker.config";
import type { EtudeNode } from "../../lib/node";
import { createObjectStorage } from "../../lib/storage";
import { objectStorageConfig } from "../../mixins/storage.mixin";
import { audioReadyMessage, putSyntheticTake, waitUntil } from "../../services/analytics/recording-fixtures";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { startTestApi, startTestWorker, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Deleting a recording or a session reaches the services that hold something of it through
 * durable channels (NATS JetStream): a service whose nodes are all down at that moment still
 * removes its share once it is back.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const namespace = `deletion-${randomUUID().slice(0, 8)}`;
let sharedDataDir: string;
let gateway: TestApi;
let database: pg.Client;
let http: ReturnType<typeof httpClient>;
let student: Account;

function clusterEnvironment(extra: Record<string, string>): Record<string, string> {
	return { TRANSPORTER: NATS_URL, NAMESPACE: namespace, DATA_DIR: sharedDataDir, ...extra };
}

async function startWorker(services: ServiceName): Promise<EtudeNode> {
	return startTestWorker(testDatabaseUrl(), { SERVICES: services, ...clusterEnvironment({ NODE_ID: `${services}-${randomUUID().slice(0, 6)}` }) });
}

let media: EtudeNode | undefined;
let analytics: EtudeNode | undefined;

beforeAll(async () => {
	sharedDataDir = await mkdtemp(path.join(os.tmpdir(), "etude-deletion-"));
	gateway = await startTestApi(testDatabaseUrl(), clusterEnvironment({ NODE_ID: "gateway", SERVICES: "api,auth,practice" }));
	http = httpClient(gateway.baseUrl);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	[media, analytics] = await Promise.all([startWorker("media"), startWorker("analytics")]);
	await gateway.node.broker.waitForServices(["media", "analytics"], 10_000);
	student = await http.register("student", "Deleting");
});
afterAll(async () => {
	await media?.stop();
	await analytics?.stop();
	await database?.end();
	await gateway?.stop();
	if (sharedDataDir) await rm(sharedDataDir, { recursive: true, force: true });
});

/** A session with one analysed recording: the video row media keeps, and analytics' points, analysis and rollups. */
async function analysedRecording(startedAt: string): Promise<{ sessionId: string; videoId: string }> {
	const session = practiceSession({ startedAt, endedAt: new Date(Date.parse(startedAt) + 30 * 60_000).toISOString() });
	expect((await http.request("POST", "/api/sessions", { token: student.token, body: session })).status).toBe(201);
	const storage = createObjectStorage(objectStorageConfig(gateway.node.config));
	const message = audioReadyMessage({ sessionId: session.id, studentId: student.id, audioKey: (await putSyntheticTake(storage, 100)).audioKey, recordedAt: startedAt });
	// What the media worker leaves once a recording is processed.
	await database.query(
		`INSERT INTO videos (id, session_id, owner_id, upload_id, state, audio_key, recorded_at, processed) VALUES ($1, $2, $3, $4, 'ready', $5, $6, true)`,
		[message.videoId, session.id, student.id, randomUUID(), message.audioKey, startedAt]
	);
	await gateway.node.broker.sendToChannel("media.audio_ready", message);
	await waitUntil(async () => (await database.query("SELECT 1 FROM metric_analyses WHERE video_id = $1 AND status = 'done'", [message.videoId])).rows.length === 1, "the analysis");
	return { sessionId: session.id, videoId: message.videoId };
}

async function analyticsRowsOf(videoId: string, hourStart: string): Promise<{ points: number; analyses: number; rollups: number }> {
	const { rows } = await database.query(
		`SELECT (SELECT count(*) FROM metrics WHERE video_id = $1)::int AS points, (SELECT count(*) FROM metric_analyses WHERE video_id = $1)::int AS analyses,
		        (SELECT count(*) FROM metric_rollups_hourly WHERE student_id = $2 AND hour_start = $3)::int AS rollups`,
		[videoId, student.id, hourStart]
	);
	return rows[0];
}

describe("deleting reaches every service, durably", () => {
	it("a deleted recording's metrics, curves and rollups go, even when analytics was down at the time", async () => {
		const hour = "2026-11-18T09:00:00.000Z";
		const { sessionId, videoId } = await analysedRecording(hour);
		const before = await analyticsRowsOf(videoId, hour);
		expect(before.points).toBeGreaterThan(0);
		expect(before.rollups).toBeGreaterThan(0);
		const shown = await http.request("GET", `/api/sessions/${sessionId}`, { token: student.token });
		expect(shown.body.metrics).not.toBeNull();

		await analytics!.stop();
		expect((await http.request("DELETE", `/api/videos/${videoId}`, { token: student.token })).status).toBe(204);
		analytics = await startWorker("analytics");
		await waitUntil(async () => (await analyticsRowsOf(videoId, hour)).analyses === 0, "analytics to drop the deleted recording");

		expect(await analyticsRowsOf(videoId, hour)).toEqual({ points: 0, analyses: 0, rollups: 0 });
		await gateway.node.broker.waitForServices(["analytics"], 10_000);
		const session = await http.request("GET", `/api/sessions/${sessionId}`, { token: student.token });
		expect(session.body.videos).toEqual([]);
		expect(session.body.metrics).toBeNull();
		const metrics = await http.request("GET", `/api/sessions/${sessionId}/metrics`, { token: student.token });
		expect(metrics.body.code).toBe("ERR_METRICS_NOT_READY");
		const dashboard = await http.request("GET", "/api/analytics/dash?from=2026-11-12&to=2026-11-18&tz=UTC", { token: student.token });
		expect(dashboard.body.trends.tempoBpm.last7).toBeNull();
	});

	it("a deleted session's recordings and analysis go, even when media and analytics were both down at the time", async () => {
		const hour = "2026-11-19T09:00:00.000Z";
		const { sessionId, videoId } = await analysedRecording(hour);
		await Promise.all([media!.stop(), analytics!.stop()]);
		expect((await http.request("DELETE", `/api/sessions/${sessionId}`, { token: student.token })).status).toBe(204);
		[media, analytics] = await Promise.all([startWorker("media"), startWorker("analytics")]);

		await waitUntil(async () => (await analyticsRowsOf(videoId, hour)).analyses === 0, "analytics to drop the deleted session's recording");
		expect(await analyticsRowsOf(videoId, hour)).toEqual({ points: 0, analyses: 0, rollups: 0 });
		await waitUntil(
			async () => (await database.query("SELECT 1 FROM videos WHERE id = $1 AND deleted_at IS NULL", [videoId])).rows.length === 0,
			"media to delete the session's recording"
		);
	});

	it("an account purge reaches media and analytics even when they were both down when it was sent", async () => {
		const hour = "2026-11-20T09:00:00.000Z";
		const { videoId } = await analysedRecording(hour);
		expect((await http.request("DELETE", "/api/me", { token: student.token, body: { password: "correct horse battery" } })).status).toBe(204);
		await Promise.all([media!.stop(), analytics!.stop()]);
		await database.query("UPDATE users SET deleted_at = now() - interval '8 days' WHERE id = $1", [student.id]);
		expect(await gateway.node.broker.call("auth.purgeDueAccounts")).toEqual({ accounts: 1 });
		await waitUntil(async () => (await database.query("SELECT 1 FROM users WHERE id = $1", [student.id])).rows.length === 0, "auth to purge the account");
		[media, analytics] = await Promise.all([startWorker("media"), startWorker("analytics")]);

		const remaining = async () =>
			(await database.query(
				`SELECT (SELECT count(*) FROM videos WHERE owner_id = $1)::int AS videos, (SELECT count(*) FROM metric_analyses WHERE student_id = $1)::int AS analyses,
				        (SELECT count(*) FROM metrics WHERE student_id = $1)::int AS points, (SELECT count(*) FROM metric_rollups_hourly WHERE student_id = $1)::int AS rollups`,
				[student.id]
			)).rows[0];
		await waitUntil(async () => Object.values(await remaining()).every((count) => count === 0), "media and analytics to purge the account");
		expect(await analyticsRowsOf(videoId, hour)).toEqual({ points: 0, analyses: 0, rollups: 0 });
	});
});
