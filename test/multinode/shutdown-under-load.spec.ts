import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { httpClient } from "../support/http-client";
import { freePort, spawnEtudeNode, stopProcess } from "../support/processes";

/**
 * SIGTERM in the middle of a burst of sign-ups on the embedded default: the process is gone
 * within the 15 s limit, and every account it answered 201 for is there after the restart.
 */
const PASSWORD = "correct horse battery";
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-shutdown-"));

async function startEmbedded(port: number) {
	const child = spawnEtudeNode("embedded", logDir, { PORT: String(port), LOG_LEVEL: "info" });
	const http = httpClient(`http://127.0.0.1:${port}`);
	const deadline = Date.now() + 60_000;
	for (;;) {
		if ((await http.request("GET", "/api/health").catch(() => undefined))?.status === 200) return { child, http };
		if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the embedded node did not start; logs in ${logDir}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

describe("stopping under load", () => {
	it("exits within 15 s of SIGTERM in the middle of 60 registrations and keeps every account it confirmed", async () => {
		const port = await freePort();
		const { child, http } = await startEmbedded(port);
		const emails = Array.from({ length: 60 }, (_, index) => `shutdown-${Date.now()}-${index}@example.org`);
		const answers = emails.map((email) =>
			http
				.request("POST", "/api/auth/register", { body: { email, password: PASSWORD, role: "student", name: "S", timezone: "UTC" } })
				.then((response) => ({ email, status: response.status }))
				.catch(() => ({ email, status: 0 }))
		);
		// Let the first requests reach the hashing queue, then stop.
		await new Promise((resolve) => setTimeout(resolve, 200));
		const signalledAt = Date.now();
		const exited = once(child, "exit");
		child.kill("SIGTERM");
		await exited;
		const stopMs = Date.now() - signalledAt;
		expect(stopMs, `stopping took ${stopMs} ms; logs in ${logDir}`).toBeLessThan(15_000);

		const confirmed = (await Promise.all(answers)).filter((answer) => answer.status === 201);
		const restarted = await startEmbedded(port);
		try {
			for (const { email } of confirmed) {
				expect((await restarted.http.request("POST", "/api/auth/login", { body: { email, password: PASSWORD } })).status, email).toBe(200);
			}
		} finally {
			await stopProcess(restarted.child, "SIGTERM");
		}
	});
});
