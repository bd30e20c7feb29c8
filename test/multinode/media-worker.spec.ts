import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrator";
import { createObjectStorage } from "../../lib/storage";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { generateClip } from "../support/media-fixtures";
import { createScratchDatabase } from "../support/postgres";
import { freePort, spawnEtudeNode, stopProcess } from "../support/processes";
import { s3NodeEnvironment, startS3Server, type RunningS3Server } from "../support/s3-server";
import { tusUpload } from "../support/tus";

/**
 * The distributed media path: uploads into an S3 API (s3rver), jobs on NATS JetStream, and a
 * media worker killed mid-transcode whose job another worker then finishes, once.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-media-mn-"));
const namespace = `media-${randomUUID().slice(0, 8)}`;
const BUCKET = "etude-test";
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let s3: RunningS3Server;
let gateway: ChildProcess;
const workers: ChildProcess[] = [];
let http: ReturnType<typeof httpClient>;
let student: Account;
let port: number;

function startNode(name: string, services: string, extra: Record<string, string> = {}): ChildProcess {
	return spawnEtudeNode(name, logDir, {
		TRANSPORTER: NATS_URL,
		NAMESPACE: namespace,
		SERVICES: services,
		DATABASE_URL: database.url,
		JWT_SECRET: "media-multinode-secret-long-enough-for-hs256",
		...s3NodeEnvironment(s3, BUCKET),
		SERVICE_WAIT_MS: "30000",
		...extra
	});
}

async function pollVideo(sessionId: string, until: (video: any) => boolean, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const session = await http.request("GET", `/api/sessions/${sessionId}`, { token: student.token });
		const video = session.body.videos?.[0];
		if (video && until(video)) return video;
		if (Date.now() > deadline) throw new Error(`video is ${JSON.stringify(video)}; logs in ${logDir}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

beforeAll(async () => {
	[database, s3] = await Promise.all([createScratchDatabase("etude_media_mn"), startS3Server()]);
	await migrateDatabase(database.url);
	port = await freePort();
	http = httpClient(`http://127.0.0.1:${port}`);
	gateway = startNode("gateway", "api,auth,practice,analytics", { PORT: String(port) });
	workers.push(startNode("worker-1", "media"));
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const health = await http.request("GET", "/api/health").catch(() => undefined);
		if (health?.status === 200 && "media" in (health.body.databases ?? {})) break;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	student = await http.register("student");
}, 120_000);

afterAll(async () => {
	await Promise.all([gateway, ...workers].filter(Boolean).map((child) => stopProcess(child, "SIGTERM")));
	await Promise.all([database?.drop(), s3?.stop()]);
});

describe("media workers over NATS JetStream and S3", () => {
	it("finishes a job exactly once after the worker doing it is killed mid-transcode", async () => {
		const clip = await readFile(await generateClip(path.join(logDir, "long.mp4"), { durationSeconds: 20, width: 1280, height: 720 }));
		const session = (await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		await tusUpload(clip, { baseUrl: `http://127.0.0.1:${port}`, token: student.token, metadata: { sessionId: session.id, kind: "video" }, chunkSize: 1024 * 1024 });

		// The quick rendition is stored and the 720p transcode is under way: kill the worker now.
		const processing = await pollVideo(session.id, (video) => video.state === "processing" && video.hlsUrl !== null, 60_000);
		expect(processing.hlsUrl).toContain("/hls/quick.m3u8");
		await stopProcess(workers[0]!, "SIGKILL");
		workers.push(startNode("worker-2", "media"));

		const ready = await pollVideo(session.id, (video) => video.state === "ready" || video.state === "failed", 120_000);
		expect(ready).toMatchObject({ state: "ready", progress: 100 });
		expect(ready.hlsUrl).toContain("/hls/720p.m3u8");

		const storage = createObjectStorage({ backend: "s3", endpointUrl: s3.endpointUrl, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: BUCKET });
		const keys: string[] = [];
		for await (const object of storage.list(`recordings/${ready.id}/`)) keys.push(object.key.slice(`recordings/${ready.id}/`.length));
		const playlist = await (await fetch(`http://127.0.0.1:${port}${ready.hlsUrl}`)).text();
		const segmentsInPlaylist = playlist.split("\n").filter((line) => line.startsWith("http")).length;
		// One output set: each file once, exactly the segments the playlist names.
		expect(new Set(keys).size).toBe(keys.length);
		expect(keys.filter((key) => key.startsWith("720p/segment-")).length).toBe(segmentsInPlaylist);
		expect(keys).toEqual(expect.arrayContaining(["audio.wav", "thumbnail.jpg", "quick/index.m3u8", "720p/index.m3u8", "720p/init.mp4"]));
		const sessionView = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(sessionView.body.videos).toHaveLength(1);
	}, 300_000);
});
