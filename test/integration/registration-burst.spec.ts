import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { startNode, type EtudeNode } from "../../lib/node";
import { normalizeEmail, PiiCipher } from "../../lib/pii";
import { httpClient } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * A school's first lesson: fifty students sign up at once, a few of them twice. Every answer is
 * 201, 409 or 503 with Retry-After — never a 500 or a timeout — and no email ends up with two
 * accounts, on PostgreSQL and on the embedded default.
 */
const PASSWORD = "correct horse battery";

async function burst(baseUrl: string) {
	const http = httpClient(baseUrl);
	const run = randomUUID().slice(0, 8);
	const emails = Array.from({ length: 45 }, (_, index) => `burst-${run}-${index}@example.org`);
	// Five students send the form twice.
	const attempts = [...emails, ...emails.slice(0, 5)];
	const answers = await Promise.all(
		attempts.map(async (email) => {
			const response = await http.request("POST", "/api/auth/register", { body: { email, password: PASSWORD, role: "student", name: "Student", timezone: "Europe/Vienna" } });
			return { email, status: response.status, code: response.body?.code as string | undefined, retryAfter: response.headers.get("retry-after") };
		})
	);
	return { http, emails, answers };
}

function expectOnlyCleanAnswers(answers: Awaited<ReturnType<typeof burst>>["answers"]) {
	for (const answer of answers) {
		expect([201, 409, 503], `${answer.email}: ${answer.status} ${answer.code}`).toContain(answer.status);
		if (answer.status === 503) {
			expect(answer.code).toBe("ERR_BUSY");
			expect(Number(answer.retryAfter)).toBeGreaterThan(0);
		}
		if (answer.status === 409) expect(answer.code).toBe("ERR_EMAIL_TAKEN");
	}
	for (const email of new Set(answers.map((answer) => answer.email))) {
		expect(answers.filter((answer) => answer.email === email && answer.status === 201).length, email).toBeLessThanOrEqual(1);
	}
}

/** Whoever was told to come back gets an account then; whoever has one cannot get a second. */
async function expectOneAccountPerEmail({ http, emails, answers }: Awaited<ReturnType<typeof burst>>) {
	for (const email of emails) {
		const created = answers.some((answer) => answer.email === email && answer.status === 201);
		const again = await http.request("POST", "/api/auth/register", { body: { email, password: PASSWORD, role: "student", name: "Student", timezone: "Europe/Vienna" } });
		expect(again.status, email).toBe(created ? 409 : 201);
		expect((await http.request("POST", "/api/auth/login", { body: { email, password: PASSWORD } })).status, email).toBe(200);
	}
}

describe("fifty registrations at once on PostgreSQL", () => {
	let api: TestApi;
	beforeAll(async () => {
		api = await startTestApi(testDatabaseUrl());
	});
	afterAll(() => api.stop());

	it("answers each 201, 409 or 503 with Retry-After, and makes exactly one account per email", async () => {
		const result = await burst(api.baseUrl);
		expectOnlyCleanAnswers(result.answers);
		await expectOneAccountPerEmail(result);
		const admin = new pg.Client({ connectionString: testDatabaseUrl() });
		await admin.connect();
		try {
			const { rows } = await admin.query<{ n: number }>(
				"SELECT count(*)::int AS n FROM users WHERE email_index = ANY($1) GROUP BY email_index HAVING count(*) > 1",
				[result.emails.map((email) => new PiiCipher(api.node.config.piiKeys!).blindIndex("users.email", normalizeEmail(email)))]
			);
			expect(rows).toEqual([]);
		} finally {
			await admin.end();
		}
	}, 120_000);
});

describe("fifty registrations at once on the embedded default", () => {
	let node: EtudeNode;
	let dataDir: string;
	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-burst-"));
		node = await startNode(loadConfig({ PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "0", NAMESPACE: `burst-${process.pid}` }));
	});
	afterAll(async () => {
		await node.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it("answers each 201, 409 or 503 with Retry-After, and makes exactly one account per email", async () => {
		const api = node.broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } };
		const result = await burst(`http://127.0.0.1:${api.server.address().port}`);
		expectOnlyCleanAnswers(result.answers);
		await expectOneAccountPerEmail(result);
	}, 120_000);
});
