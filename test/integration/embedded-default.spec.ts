import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { startNode, type EtudeNode } from "../../lib/node";
import { httpClient, practiceSession } from "../support/http-client";

/** The newcomer's setup: no DATABASE_URL, no transporter, data under DATA_DIR. */
const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-embedded-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function startEmbedded(): Promise<{ node: EtudeNode; http: ReturnType<typeof httpClient> }> {
	const node = await startNode(loadConfig({ PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "warn", NAMESPACE: `embedded-${process.pid}` }));
	const api = node.broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } };
	return { node, http: httpClient(`http://127.0.0.1:${api.server.address().port}`) };
}

describe("the embedded default", () => {
	it("runs every service on embedded PostgreSQL and keeps the data across a restart", async () => {
		const first = await startEmbedded();
		let email: string;
		let sessionId: string;
		try {
			expect(first.node.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
			const student = await first.http.register("student");
			email = student.email;
			const session = practiceSession();
			sessionId = session.id;
			expect((await first.http.request("POST", "/api/sessions", { token: student.token, body: session })).status).toBe(201);
		} finally {
			await first.node.stop();
		}

		const second = await startEmbedded();
		try {
			const login = await second.http.request("POST", "/api/auth/login", { body: { email, password: "correct horse battery" } });
			expect(login.status).toBe(200);
			const read = await second.http.request("GET", `/api/sessions/${sessionId}`, { token: login.body.token });
			expect(read.status).toBe(200);
			expect(read.body.note).toBe("Three-octave G major, slow bows");
		} finally {
			await second.node.stop();
		}
	}, 120_000);
});
