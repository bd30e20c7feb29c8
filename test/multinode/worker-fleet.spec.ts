import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrator";
import { httpClient, type Account } from "../support/http-client";
import { generateClip } from "../support/media-fixtures";
import { createScratchDatabase } from "../support/postgres";
import { clusterEnvironment, everyGroupExcept, freePort, spawnEtudeNode, stopProcess, waitFor } from "../support/processes";
import { s3NodeEnvironment, startS3Server, type RunningS3Server } from "../support/s3-server";
import { completionsByVideo, observeFleet, uploadBacklog, type FleetObserver } from "../support/worker-fleet";

/**
 * Two media+analytics workers share one backlog over JetStream; one is SIGKILLed half way.
 * Every recording still ends ready exactly once and analysed, and both workers did some of it.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-fleet-"));
const namespace = `fleet-${randomUUID().slice(0, 8)}`;
const BACKLOG = 6;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let s3: RunningS3Server;
let observer: FleetObserver;
const nodes: ChildProcess[] = [];
const workers = new Map<string, ChildProcess>();
let baseUrl: string;
let student: Account;

function startNode(name: string, services: string, extra: Record<string, string> = {}): ChildProcess {
	const child = spawnEtudeNode(name, logDir, {
		...clusterEnvironment({ natsUrl: NATS_URL, namespace, databaseUrl: database.url }),
		...s3NodeEnvironment(s3, "etude-fleet"),
		SERVICES: services,
		...extra
	});
	nodes.push(child);
	return child;
}

beforeAll(async () => {
	[database, s3] = await Promise.all([createScratchDatabase("etude_fleet"), startS3Server()]);
	await migrateDatabase(database.url);
	observer = await observeFleet(NATS_URL, namespace);
	const port = await freePort();
	baseUrl = `http://127.0.0.1:${port}`;
	startNode("gateway", everyGroupExcept("media", "analytics"), { PORT: String(port) });
	for (const nodeId of [`${namespace}-worker-1`, `${namespace}-worker-2`]) workers.set(nodeId, startNode(nodeId, "media,analytics", { NODE_ID: nodeId }));
	await waitFor("the gateway and both workers", async () => (await fetch(`${baseUrl}/api/health/ready`)).status === 200, { timeoutMs: 90_000, logDir });
	student = await httpClient(baseUrl).register("student");
}, 120_000);

afterAll(async () => {
	await Promise.all(nodes.map((child) => stopProcess(child, "SIGTERM")));
	await observer?.stop();
	await Promise.all([database?.drop(), s3?.stop()]);
});

describe("a fleet of media and analytics workers", () => {
	it("finishes every recording exactly once when a worker is SIGKILLed mid-backlog", async () => {
		const clip = await readFile(await generateClip(path.join(logDir, "clip.mp4"), { durationSeconds: 4, width: 640, height: 360 }));
		const sessionIds = await uploadBacklog(baseUrl, student, Array.from({ length: BACKLOG }, () => clip));

		await waitFor("the first recording to be ready", async () => observer.processed.length > 0, { timeoutMs: 120_000, logDir });
		expect(observer.processed.length).toBeLessThan(BACKLOG);
		// The worker that finished first is busy with its next recording now: kill it.
		const killedId = observer.processed[0]!.nodeID;
		const [survivorId, survivor] = [...workers].find(([nodeId]) => nodeId !== killedId)!;
		await stopProcess(workers.get(killedId)!, "SIGKILL");

		await waitFor(
			"every recording to be ready and analysed",
			async () => completionsByVideo(observer.processed).size === BACKLOG && completionsByVideo(observer.analysed).size === BACKLOG,
			{ timeoutMs: 180_000, logDir }
		);
		expect(observer.failed).toEqual([]);
		for (const [videoId, nodeIds] of completionsByVideo(observer.processed)) expect(nodeIds, `video ${videoId} became ready`).toHaveLength(1);
		// Both did some of the work; the survivor also what the killed one had in flight.
		expect(new Set(observer.processed.map((completion) => completion.nodeID))).toEqual(new Set([killedId, survivorId]));
		expect(survivor.exitCode).toBeNull();

		const http = httpClient(baseUrl);
		for (const sessionId of sessionIds) {
			const session = await http.request("GET", `/api/sessions/${sessionId}`, { token: student.token });
			expect(session.body.videos).toHaveLength(1);
			expect(session.body.videos[0]).toMatchObject({ state: "ready", progress: 100 });
			expect((await http.request("GET", `/api/sessions/${sessionId}/metrics`, { token: student.token })).status).toBe(200);
		}
		await waitFor("the queues to drain", async () => Object.values(await observer.queueLag()).every((lag) => lag === 0), { timeoutMs: 60_000, logDir });
	}, 300_000);
});
