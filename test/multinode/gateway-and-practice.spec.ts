import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrator";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { createScratchDatabase } from "../support/postgres";
import { freePort, spawnEtudeNode, stopProcess, waitFor } from "../support/processes";

/**
 * Two processes joined by real NATS: the gateway and auth in one, the practice services in
 * the other, as SERVICES splits them in production. The practice node is stopped and
 * crashed mid-test; requests sent meanwhile must be retried to success, once each.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-multinode-"));
const namespace = `mn-${randomUUID().slice(0, 8)}`;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let port: number;
let gateway: ChildProcess;
let practice: ChildProcess;
let practiceStarts = 0;
let http: ReturnType<typeof httpClient>;
let student: Account;

function startNode(name: string, services: string, extra: Record<string, string> = {}): ChildProcess {
	return spawnEtudeNode(name, logDir, {
		TRANSPORTER: NATS_URL,
		NAMESPACE: namespace,
		SERVICES: services,
		DATABASE_URL: database.url,
		JWT_SECRET: "multinode-secret-that-is-long-enough-for-hs256",
		// Short enough that a call to the SIGKILLed node times out and is retried quickly, long
		// enough that a node serving its first requests on a loaded machine is not cut off.
		REQUEST_TIMEOUT_MS: "8000",
		// A loaded CI machine can take longer than production's 10 s to boot a node.
		SERVICE_WAIT_MS: "30000",
		...extra
	});
}

function startPracticeNode(): ChildProcess {
	practiceStarts += 1;
	// A session read includes its recordings and their analysis, so those services run here too.
	return startNode(`practice-${practiceStarts}`, "practice,media,analytics");
}

async function practiceIsServing(): Promise<boolean> {
	const health = await http.request("GET", "/api/health");
	return health.status === 200 && "sessions" in (health.body.databases ?? {});
}

beforeAll(async () => {
	database = await createScratchDatabase("etude_mn");
	await migrateDatabase(database.url);
	port = await freePort();
	http = httpClient(`http://127.0.0.1:${port}`);
	gateway = startNode("gateway", "api,auth", { PORT: String(port) });
	practice = startPracticeNode();
	await waitFor("both nodes", practiceIsServing, { timeoutMs: 60_000, logDir });
	student = await http.register("student");
});

afterAll(async () => {
	await Promise.all([gateway, practice].filter(Boolean).map((child) => stopProcess(child, "SIGTERM")));
	await database?.drop();
});

describe("a gateway node and a practice node over NATS", () => {
	it("serves practice requests through the gateway from the other process", async () => {
		const health = await http.request("GET", "/api/health");
		expect(health.body.transporter).toEqual({ type: "nats", connected: true });
		const created = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
		expect(created.status).toBe(201);
		expect(created.body.studentId).toBe(student.id);
		expect(readFileSync(path.join(logDir, "gateway.log"), "utf8")).not.toMatch(/"svc":"sessions"/);
	});

	it("holds a request while the practice node restarts, then serves it exactly once", async () => {
		await stopProcess(practice, "SIGTERM");
		const session = practiceSession();
		const pending = http.request("POST", "/api/sessions", { token: student.token, body: session });
		await new Promise((resolve) => setTimeout(resolve, 1000));
		practice = startPracticeNode();
		const response = await pending;
		expect(response.status, JSON.stringify(response.body)).toBe(201);
		const list = await http.request("GET", "/api/sessions?limit=100", { token: student.token });
		expect(list.body.items.filter((item: { id: string }) => item.id === session.id)).toHaveLength(1);
	});

	it("retries a request sent to a practice node that crashed, once a new one is up, without a duplicate", async () => {
		await waitFor("the restarted practice node", practiceIsServing, { logDir });
		await stopProcess(practice, "SIGKILL");
		const session = practiceSession();
		// The gateway still believes in the dead node: the request times out there and is retried.
		const pending = http.request("POST", "/api/sessions", { token: student.token, body: session });
		practice = startPracticeNode();
		const response = await pending;
		expect(response.status, JSON.stringify(response.body)).toBe(201);
		const again = await http.request("POST", "/api/sessions", { token: student.token, body: session });
		expect(again.status).toBe(200);
		const list = await http.request("GET", "/api/sessions?limit=100", { token: student.token });
		expect(list.body.items.filter((item: { id: string }) => item.id === session.id)).toHaveLength(1);
	});
});
