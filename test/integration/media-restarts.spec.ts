import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { startNode, type EtudeNode } from "../../lib/node";
import { httpClient, practiceSession } from "../support/http-client";
import { generateClip } from "../support/media-fixtures";
import { TEST_JWT_SECRET } from "../support/test-node";
import { tusUpload } from "../support/tus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * The embedded default across restarts of its one process: an upload resumes where it stopped,
 * and a recording left queued is processed once the process is back.
 */
let dataDir: string;
let clip: Buffer;
let port: number;

function startEmbeddedNode(): Promise<EtudeNode> {
	return startNode(
		loadConfig({
			PORT: String(port),
			DATA_DIR: dataDir,
			DATABASE_URL: testDatabaseUrl(),
			JWT_SECRET: TEST_JWT_SECRET,
			LOG_LEVEL: "warn",
			RATE_LIMIT_PER_MINUTE: "0",
			NAMESPACE: `restarts-${process.pid}`
		})
	);
}

const baseUrl = () => `http://127.0.0.1:${port}`;

async function settledVideo(http: ReturnType<typeof httpClient>, token: string, sessionId: string) {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const video = (await http.request("GET", `/api/sessions/${sessionId}`, { token })).body.videos?.[0];
		if (video && (video.state === "ready" || video.state === "failed")) return video;
		if (Date.now() > deadline) throw new Error(`video still ${video?.state}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

beforeAll(async () => {
	dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-restarts-"));
	clip = await readFile(await generateClip(path.join(dataDir, "clip.mp4"), { durationSeconds: 3, width: 320, height: 240 }));
	port = 40_000 + Math.floor(Math.random() * 20_000);
}, 60_000);
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("restarts of the node that holds the uploads", () => {
	it("resumes an upload after the gateway restarts, then processes it", async () => {
		let node = await startEmbeddedNode();
		const http = httpClient(baseUrl());
		const student = await http.register("student");
		const session = (await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		const metadata = { sessionId: session.id, kind: "video" };
		const first = await tusUpload(clip, { baseUrl: baseUrl(), token: student.token, metadata, chunkSize: Math.ceil(clip.length / 6), stopAtFraction: 0.5 });
		await node.stop();

		node = await startEmbeddedNode();
		try {
			const resumed = await tusUpload(clip, { baseUrl: baseUrl(), token: student.token, metadata, chunkSize: Math.ceil(clip.length / 6), uploadUrl: first.url });
			expect(resumed.uploadId).toBe(first.uploadId);
			expect((await settledVideo(http, student.token, session.id)).state).toBe("ready");
		} finally {
			await node.stop();
		}
	}, 120_000);

	it("processes, after a restart, a recording that was still queued when the process stopped", async () => {
		let node = await startEmbeddedNode();
		const http = httpClient(baseUrl());
		const student = await http.register("student");
		const session = (await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		await tusUpload(clip, { baseUrl: baseUrl(), token: student.token, metadata: { sessionId: session.id, kind: "video" } });
		const video = await settledVideo(http, student.token, session.id);
		// As if the process had died mid-job: back to queued, with no outputs.
		await node.stop();
		const database = new pg.Client({ connectionString: testDatabaseUrl() });
		await database.connect();
		await database.query(
			"UPDATE videos SET state = 'queued', progress_percent = 0, playlist_key = NULL, quick_playlist_key = NULL, processed = false WHERE id = $1",
			[video.id]
		);
		await database.end();
		await rm(path.join(dataDir, "objects", "recordings", video.id), { recursive: true, force: true });

		node = await startEmbeddedNode();
		try {
			const again = await settledVideo(http, student.token, session.id);
			expect(again).toMatchObject({ id: video.id, state: "ready", progress: 100 });
			expect((await fetch(`${baseUrl()}${again.hlsUrl}`)).status).toBe(200);
		} finally {
			await node.stop();
		}
	}, 120_000);
});
