import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/** Tokens of ended accounts and sessions, forwarded addresses, and expired refresh tokens. */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Client;
let routes: Array<{ method: string; path: string }>;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	const document = (await http.request("GET", "/api/openapi.json")).body;
	routes = Object.entries(document.paths as Record<string, Record<string, { "x-permissions": string[] }>>).flatMap(([path, methods]) =>
		Object.entries(methods)
			.filter(([, operation]) => !operation["x-permissions"].includes("public"))
			.map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{\w+\}/g, () => randomUUID()) }))
	);
});
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

async function expectRefusedEverywhere(account: Account, code: string) {
	for (const route of routes) {
		const response = await http.request(route.method, route.path, { token: account.token, body: route.method === "GET" ? undefined : {} });
		expect(response.status, `${route.method} ${route.path}`).toBe(401);
		expect(response.body.code, `${route.method} ${route.path}`).toBe(code);
	}
	const upload = await fetch(`${api.baseUrl}/api/uploads`, {
		method: "POST",
		headers: { authorization: `Bearer ${account.token}`, "tus-resumable": "1.0.0", "upload-length": "10" }
	});
	expect(upload.status).toBe(401);
}

describe("access tokens of ended accounts", () => {
	it("stops working on every route the moment the account is deleted", async () => {
		const student = await http.register("student");
		expect((await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() })).status).toBe(201);
		expect((await http.request("DELETE", "/api/me", { token: student.token, body: { password: "correct horse battery" } })).status).toBe(204);
		await expectRefusedEverywhere(student, "ERR_ACCOUNT_DELETED");
	});

	it("stops working when an account is suspended, and stays ended after the suspension is lifted", async () => {
		const teacher = await http.register("teacher");
		expect((await http.request("GET", "/api/me", { token: teacher.token })).status).toBe(200);
		await api.node.broker.call("auth.suspend", { userId: teacher.id });
		await expectRefusedEverywhere(teacher, "ERR_ACCOUNT_SUSPENDED");
		const login = await http.request("POST", "/api/auth/login", { body: { email: teacher.email, password: "correct horse battery" } });
		expect(login.status).toBe(403);
		expect(login.body.code).toBe("ERR_ACCOUNT_SUSPENDED");
		expect((await http.request("POST", "/api/auth/refresh", { body: { refreshToken: teacher.refreshToken } })).status).toBe(401);

		await api.node.broker.call("auth.unsuspend", { userId: teacher.id });
		expect((await http.request("GET", "/api/me", { token: teacher.token })).body.code).toBe("ERR_TOKEN_REVOKED");
		const again = await http.request("POST", "/api/auth/login", { body: { email: teacher.email, password: "correct horse battery" } });
		expect((await http.request("GET", "/api/me", { token: again.body.token })).status).toBe(200);
	});
});

describe("the rate limit's idea of who is calling", () => {
	let limited: TestApi;
	let trusting: TestApi;
	beforeAll(async () => {
		limited = await startTestApi(testDatabaseUrl(), { RATE_LIMIT_PER_MINUTE: "3" });
		trusting = await startTestApi(testDatabaseUrl(), { RATE_LIMIT_PER_MINUTE: "3", TRUSTED_PROXIES: "127.0.0.1,::1" });
	});
	afterAll(async () => {
		await limited?.stop();
		await trusting?.stop();
	});

	const burst = (baseUrl: string) =>
		Promise.all(
			Array.from({ length: 5 }, (_, index) => fetch(`${baseUrl}/api/health`, { headers: { "x-forwarded-for": `198.51.100.${index}` } }).then((response) => response.status))
		);

	it("ignores X-Forwarded-For from a caller that is not a trusted proxy", async () => {
		const statuses = await burst(limited.baseUrl);
		expect(statuses.filter((status) => status === 429)).toHaveLength(2);
		const refused = await fetch(`${limited.baseUrl}/api/health`, { headers: { "x-forwarded-for": "203.0.113.50" } });
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
	});

	it("counts each forwarded client on its own behind a trusted proxy", async () => {
		const statuses = await burst(trusting.baseUrl);
		expect(statuses.every((status) => status !== 429)).toBe(true);
	});
});

describe("refresh tokens", () => {
	it("are deleted once expired, while revoked ones are kept until then to catch reuse", async () => {
		const student = await http.register("student");
		const insert = (expiresAt: string, revoked: boolean) =>
			database.query("INSERT INTO refresh_tokens (user_id, token_hash, expires_at, revoked_at) VALUES ($1, $2, $3, $4) RETURNING id", [
				student.id,
				randomUUID(),
				expiresAt,
				revoked ? new Date() : null
			]);
		const expired = (await insert("2020-01-01T00:00:00Z", false)).rows[0].id;
		const revokedButValid = (await insert("2099-01-01T00:00:00Z", true)).rows[0].id;
		await (api.node.broker.getLocalService("auth") as unknown as { deleteExpiredRefreshTokens(): Promise<void> }).deleteExpiredRefreshTokens();
		const { rows } = await database.query("SELECT id FROM refresh_tokens WHERE id = ANY($1)", [[expired, revokedButValid]]);
		expect(rows.map((row) => row.id)).toEqual([revokedButValid]);
	});
});
