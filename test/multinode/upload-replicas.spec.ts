import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrator";
import { createObjectStorage } from "../../lib/storage";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { generateClip } from "../support/media-fixtures";
import { createScratchDatabase } from "../support/postgres";
import { clusterEnvironment, everyGroupExcept, freePort, spawnEtudeNode, stopProcess, waitFor } from "../support/processes";
import { s3NodeEnvironment, startS3Server, type RunningS3Server } from "../support/s3-server";
import { tusUpload } from "../support/tus";

/**
 * Upload scale-out: two gateway replicas, no affinity. A tus upload started on replica A is
 * stored in S3 as it arrives (@tus/s3-store: a multipart upload plus `<id>.info` and `<id>.part`),
 * so after A has gone, replica B reads the offset from S3 and takes the rest of the upload.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-upload-replicas-"));
const namespace = `uploads-${randomUUID().slice(0, 8)}`;
const BUCKET = "etude-uploads-test";
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let s3: RunningS3Server;
const nodes: ChildProcess[] = [];
const replicas: Array<{ process: ChildProcess; baseUrl: string }> = [];
let student: Account;

function startNode(name: string, services: string, extra: Record<string, string> = {}): ChildProcess {
	const child = spawnEtudeNode(name, logDir, {
		...clusterEnvironment({ natsUrl: NATS_URL, namespace, databaseUrl: database.url }),
		...s3NodeEnvironment(s3, BUCKET),
		SERVICES: services,
		...extra
	});
	nodes.push(child);
	return child;
}

async function startReplica(name: string): Promise<{ process: ChildProcess; baseUrl: string }> {
	const port = await freePort();
	const replica = { process: startNode(name, "api", { PORT: String(port) }), baseUrl: `http://127.0.0.1:${port}` };
	await waitFor(`${name} to be ready`, async () => (await fetch(`${replica.baseUrl}/api/health/ready`)).status === 200, { timeoutMs: 90_000, logDir });
	replicas.push(replica);
	return replica;
}

beforeAll(async () => {
	[database, s3] = await Promise.all([createScratchDatabase("etude_upload_replicas"), startS3Server()]);
	await migrateDatabase(database.url);
	startNode("back-end", everyGroupExcept("api"));
	await Promise.all([startReplica("gateway-a"), startReplica("gateway-b")]);
	student = await httpClient(replicas[0]!.baseUrl).register("student");
}, 150_000);

afterAll(async () => {
	await Promise.all(nodes.map((child) => stopProcess(child, "SIGTERM")));
	await Promise.all([database?.drop(), s3?.stop()]);
});

describe("tus uploads across gateway replicas", () => {
	it("continues on replica B an upload that replica A started, byte for byte, after A has stopped", async () => {
		const [replicaA, replicaB] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
		// Past one 8 MiB S3 part, so the resumed upload has a stored part and a partial one.
		const clip = await readFile(await generateClip(path.join(logDir, "clip.mp4"), { durationSeconds: 12, width: 1280, height: 720 }));
		expect(clip.length).toBeGreaterThan(9 * 1024 ** 2);
		const session = (await httpClient(replicaA.baseUrl).request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).body;
		const metadata = { sessionId: session.id, kind: "video" };

		const started = await tusUpload(clip, { baseUrl: replicaA.baseUrl, token: student.token, metadata, chunkSize: 3 * 1024 ** 2, stopAtFraction: 0.75 });
		expect(started.stopped).toBe(true);
		await stopProcess(replicaA.process, "SIGTERM");

		const offset = await fetch(`${replicaB.baseUrl}/api/uploads/${started.uploadId}`, {
			method: "HEAD",
			headers: { authorization: `Bearer ${student.token}`, "tus-resumable": "1.0.0" }
		});
		expect(offset.status).toBe(200);
		expect(Number(offset.headers.get("upload-offset"))).toBe(9 * 1024 ** 2);

		const finished = await tusUpload(clip, {
			baseUrl: replicaB.baseUrl,
			token: student.token,
			metadata,
			uploadUrl: `${replicaB.baseUrl}/api/uploads/${started.uploadId}`
		});
		expect(finished).toMatchObject({ stopped: false, uploadId: started.uploadId });

		const storage = createObjectStorage({ backend: "s3", endpointUrl: s3.endpointUrl, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: BUCKET });
		expect((await buffer(await storage.get(started.uploadId))).equals(clip)).toBe(true);

		const http = httpClient(replicaB.baseUrl);
		let video: any;
		await waitFor(
			"the recording to be processed",
			async () => {
				video = (await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).body.videos?.[0];
				return video?.state === "ready" || video?.state === "failed";
			},
			{ timeoutMs: 120_000, logDir }
		);
		expect(video).toMatchObject({ state: "ready", progress: 100 });
		const playlist = await fetch(`${replicaB.baseUrl}${video.hlsUrl}`);
		expect(playlist.status).toBe(200);
		expect(await playlist.text()).toContain("#EXTM3U");
	}, 240_000);
});
