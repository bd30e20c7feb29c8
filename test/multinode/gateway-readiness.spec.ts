import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrator";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { createScratchDatabase } from "../support/postgres";
import { everyGroupExcept, freePort, spawnEtudeNode, stopProcess, waitFor } from "../support/processes";

/**
 * Ready means ready: the gateway knows every route of the groups behind it before they join
 * (503 with Retry-After while one is away, never 404), and its readiness route says "waiting"
 * until every group is present, whichever node starts first and when one group restarts.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-readiness-"));
const namespace = `ready-${randomUUID().slice(0, 8)}`;
const BACK_END_GROUPS = everyGroupExcept("api", "auth").split(",");
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let gateway: ChildProcess | undefined;
let backEnd: ChildProcess | undefined;
let starts = 0;
let http: ReturnType<typeof httpClient>;
let student: Account;

function startNode(name: string, services: string, extra: Record<string, string> = {}): ChildProcess {
	starts += 1;
	return spawnEtudeNode(`${name}-${starts}`, logDir, {
		TRANSPORTER: NATS_URL,
		NAMESPACE: namespace,
		SERVICES: services,
		DATABASE_URL: database.url,
		JWT_SECRET: "readiness-secret-that-is-long-enough-for-hs256",
		REQUEST_TIMEOUT_MS: "3000",
		// Hold a request for an absent group only briefly, so the 503 is seen quickly.
		SERVICE_WAIT_MS: "300",
		...extra
	});
}

async function startGateway(): Promise<void> {
	const port = await freePort();
	http = httpClient(`http://127.0.0.1:${port}`);
	gateway = startNode("gateway", "api,auth", { PORT: String(port) });
	await waitFor("the gateway to answer", async () => (await http.request("GET", "/api/health")).status === 200, { timeoutMs: 60_000, logDir });
}

function startBackEnd(): void {
	backEnd = startNode("back-end", BACK_END_GROUPS.join(","));
}

const readiness = () => http.request("GET", "/api/health/ready");
const createSession = () => http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });

/** While the gateway is not ready, a practice route answers 503 with Retry-After; once it is, the route works. */
async function expectUnavailableUntilReady(): Promise<number> {
	let refusals = 0;
	for (;;) {
		const ready = (await readiness()).status === 200;
		const created = await createSession();
		if (ready) {
			expect(created.status, JSON.stringify(created.body)).toBe(201);
			return refusals;
		}
		if (created.status === 201) continue; // the group joined between the two requests
		expect(created.status, JSON.stringify(created.body)).toBe(503);
		expect(created.body.code).toBe("ERR_SERVICE_UNAVAILABLE");
		expect(created.headers.get("retry-after")).toBe("2");
		refusals += 1;
	}
}

beforeAll(async () => {
	database = await createScratchDatabase("etude_ready");
	await migrateDatabase(database.url);
});

afterAll(async () => {
	await Promise.all([gateway, backEnd].filter((child) => child !== undefined).map((child) => stopProcess(child, "SIGTERM")));
	await database?.drop();
});

describe("a gateway that starts before the groups behind it", () => {
	it("is alive but not ready, and answers their routes 503 with Retry-After instead of 404", async () => {
		await startGateway();
		student = await http.register("student");
		const waiting = await readiness();
		expect(waiting.status).toBe(503);
		expect(waiting.headers.get("retry-after")).toBe("2");
		expect(waiting.body).toMatchObject({ status: "waiting", node: "ok" });
		expect(waiting.body.waitingFor.sort()).toEqual(expect.arrayContaining(BACK_END_GROUPS));
		expect(waiting.body.waitingFor).not.toContain("auth");

		const early = await createSession();
		expect(early.status, JSON.stringify(early.body)).toBe(503);
		expect(early.body.code).toBe("ERR_SERVICE_UNAVAILABLE");
		expect(early.headers.get("retry-after")).toBe("2");
		// A route no group declares is still not found.
		expect((await http.request("GET", "/api/no-such-thing", { token: student.token })).body.code).toBe("ERR_ROUTE_NOT_FOUND");

		startBackEnd();
		await expectUnavailableUntilReady();
		expect((await readiness()).body).toEqual({ status: "ready", node: "ok", waitingFor: [] });
	});

	it("goes back to waiting while one group restarts, and is ready again when it returns", async () => {
		await stopProcess(backEnd!, "SIGTERM");
		await waitFor("the gateway to notice", async () => (await readiness()).status === 503, { logDir });
		expect((await readiness()).body.waitingFor).toEqual(expect.arrayContaining(BACK_END_GROUPS));
		// Still alive: a liveness probe must not restart a gateway whose back end is away.
		expect((await http.request("GET", "/api/health")).status).toBe(200);
		startBackEnd();
		expect(await expectUnavailableUntilReady()).toBeGreaterThan(0);
	});
});

describe("a gateway that starts after the groups behind it", () => {
	it("is ready only once it has seen them, and never answers their routes 404", async () => {
		await stopProcess(gateway!, "SIGTERM");
		await startGateway();
		await expectUnavailableUntilReady();
		const list = await http.request("GET", "/api/sessions?limit=100", { token: student.token });
		expect(list.status).toBe(200);
		expect(list.body.items.length).toBeGreaterThanOrEqual(3);
	});
});
