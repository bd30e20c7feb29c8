import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Every route the API documents, called as nobody and as each role it does not admit. The
 * list comes from the OpenAPI document, so a new route is covered the moment it exists.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let accounts: Record<"student" | "teacher", Account>;
let operations: Array<{ method: string; path: string; permissions: string[]; validBody: Record<string, unknown> }>;

interface BodySchema {
	type?: string | string[];
	properties?: Record<string, BodySchema>;
	required?: string[];
	enum?: unknown[];
	minimum?: number;
	minLength?: number;
	format?: string;
}

/**
 * The smallest body the route's documented schema accepts (its required fields only), so that a
 * request reaches the authorization check instead of stopping at validation (422).
 */
function sampleOf(schema: BodySchema | undefined): unknown {
	const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
	if (schema?.enum) return schema.enum[0];
	if (type === "integer" || type === "number") return schema?.minimum ?? 0;
	if (type === "boolean") return true;
	if (type === "array") return [];
	if (type === "string") return schema?.format === "uuid" ? randomUUID() : "x".repeat(Math.max(1, schema?.minLength ?? 1));
	if (type === "object") return Object.fromEntries((schema?.required ?? []).map((name) => [name, sampleOf(schema?.properties?.[name])]));
	return undefined;
}

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	accounts = { student: await http.register("student"), teacher: await http.register("teacher") };
	const document = (await http.request("GET", "/api/openapi.json")).body;
	type Operation = { "x-permissions": string[]; requestBody?: { content: { "application/json": { schema: BodySchema } } } };
	operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
		Object.entries(methods).map(([method, operation]) => ({
			method: method.toUpperCase(),
			path: path.replace(/\{\w+\}/g, () => randomUUID()),
			permissions: operation["x-permissions"],
			validBody: (sampleOf(operation.requestBody?.content["application/json"].schema) ?? {}) as Record<string, unknown>
		}))
	);
});
afterAll(() => api.stop());

describe("authorization of every route", () => {
	it("covers a sensible number of routes", () => {
		expect(operations.length).toBeGreaterThanOrEqual(20);
	});

	it("refuses anonymous callers on every route that is not public", async () => {
		for (const operation of operations.filter((o) => !o.permissions.includes("public"))) {
			const response = await http.request(operation.method, operation.path, { body: operation.method === "GET" ? undefined : {} });
			expect(response.status, `${operation.method} ${operation.path}`).toBe(401);
			expect(response.body.code).toBe("ERR_UNAUTHORIZED");
		}
	});

	it("refuses each role on the routes reserved for the other role", async () => {
		const roleOnly = operations.filter((o) => o.permissions.every((p) => p === "student" || p === "teacher"));
		expect(roleOnly.length).toBeGreaterThan(0);
		for (const operation of roleOnly) {
			for (const role of ["student", "teacher"] as const) {
				if (operation.permissions.includes(role)) continue;
				const response = await http.request(operation.method, operation.path, {
					token: accounts[role].token,
					body: operation.method === "GET" ? undefined : {}
				});
				expect(response.status, `${role} ${operation.method} ${operation.path}`).toBe(403);
				expect(response.body.code).toBe("ERR_FORBIDDEN");
			}
		}
	});

	it("answers entity routes for someone else's (or no) entity with 404, never 200 or 500", async () => {
		const entityRoutes = operations.filter((o) => o.permissions.some((p) => p === "$owner" || p === "$linkedTeacher"));
		expect(entityRoutes.length).toBeGreaterThan(0);
		for (const operation of entityRoutes) {
			for (const role of ["student", "teacher"] as const) {
				const response = await http.request(operation.method, operation.path, {
					token: accounts[role].token,
					body: operation.method === "GET" || operation.method === "DELETE" || operation.method === "PUT" ? undefined : operation.validBody
				});
				expect(response.status, `${role} ${operation.method} ${operation.path}`).toBe(404);
			}
		}
	});

	it("refuses the moderators' routes to everyone who is not a community moderator", async () => {
		const moderatorRoutes = operations.filter((o) => o.permissions.includes("$moderator"));
		expect(moderatorRoutes.length).toBeGreaterThan(0);
		for (const operation of moderatorRoutes) {
			for (const role of ["student", "teacher"] as const) {
				const response = await http.request(operation.method, operation.path, { token: accounts[role].token, body: operation.method === "GET" ? undefined : operation.validBody });
				expect(response.status, `${role} ${operation.method} ${operation.path}`).toBe(403);
				expect(response.body.code).toBe("ERR_FORBIDDEN");
			}
		}
	});
});
