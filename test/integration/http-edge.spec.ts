import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

let api: TestApi;
let http: ReturnType<typeof httpClient>;
let student: Account;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl(), { BODY_LIMIT: "16kb", CORS_ORIGINS: "https://app.etude.example" });
	http = httpClient(api.baseUrl);
	student = await http.register("student");
});
afterAll(() => api.stop());

describe("bad input at the HTTP edge", () => {
	it("answers malformed JSON with 400 ERR_MALFORMED_JSON", async () => {
		for (const rawBody of ["{bad", '{"focus": "scales",}', "[1, 2", "\u0000"]) {
			const response = await http.request("POST", "/api/sessions", { token: student.token, rawBody });
			expect(response.status, rawBody).toBe(400);
			expect(response.body.code, rawBody).toBe("ERR_MALFORMED_JSON");
		}
	});

	it("answers JSON that is not an object with a 4xx, never a 500", async () => {
		for (const rawBody of ["[]", "[1,2]", '"text"', "42", "null"]) {
			const response = await http.request("POST", "/api/sessions", { token: student.token, rawBody });
			expect(response.status, rawBody).toBeGreaterThanOrEqual(400);
			expect(response.status, rawBody).toBeLessThan(500);
			expect(response.body.code, rawBody).toMatch(/^ERR_/);
		}
	});

	it("refuses an array body where every field is optional, instead of taking it for no change", async () => {
		const response = await http.request("PATCH", "/api/me", { token: student.token, rawBody: "[]" });
		expect(response.status).toBe(400);
		expect(response.body.code).toBe("ERR_MALFORMED_JSON");
	});

	it("refuses text with a NUL character, which would be stored as something else, and names the field", async () => {
		const response = await http.request("POST", "/api/tags", { token: student.token, body: { name: "Spic\u0000cato", color: "#336699" } });
		expect(response.status).toBe(422);
		expect(response.body).toMatchObject({ code: "ERR_VALIDATION", fields: [{ field: "name" }] });
		expect((await http.request("GET", "/api/tags", { token: student.token })).body).toEqual([]);
		const search = await http.request("GET", "/api/tags/suggest?q=%00", { token: student.token });
		expect(search.status).toBe(422);
	});

	it("refuses a tus upload's bad headers, checked by tus itself before any hook, as JSON with a code", async () => {
		const bearer = { authorization: `Bearer ${student.token}` };
		const noProtocol = await http.request("POST", "/api/uploads", { headers: { ...bearer, "upload-length": "1000" } });
		expect(noProtocol).toMatchObject({ status: 412, body: { code: "ERR_UPLOAD_PROTOCOL_VERSION" } });
		const badLength = await http.request("POST", "/api/uploads", { headers: { ...bearer, "tus-resumable": "1.0.0", "upload-length": "-5" } });
		expect(badLength).toMatchObject({ status: 400, body: { code: "ERR_UPLOAD_BAD_REQUEST", message: "Invalid upload-length" } });
		expect(badLength.headers.get("content-type")).toMatch(/^application\/json/);
	});

	it("refuses bodies over the limit with 413 and writes nothing", async () => {
		const session = practiceSession({ note: "x".repeat(20_000) });
		const response = await http.request("POST", "/api/sessions", { token: student.token, body: session });
		expect(response.status).toBe(413);
		expect(response.body.code).toBe("ERR_BODY_TOO_LARGE");
		expect((await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(404);
	});

	it("names missing, extra and wrongly typed fields", async () => {
		const response = await http.request("POST", "/api/sessions", {
			token: student.token,
			body: { focus: "scales", startedAt: "2026-11-20T17:00:00Z", selfRating: "five", note: 7, isAdmin: true }
		});
		expect(response.status).toBe(422);
		expect(response.body.code).toBe("ERR_VALIDATION");
		const fields = response.body.fields.map((f: { field: string }) => f.field).sort();
		expect(fields).toEqual(["endedAt", "isAdmin", "note", "selfRating"]);
	});

	it("ignores a body sent as another content type instead of guessing", async () => {
		const response = await http.request("POST", "/api/auth/login", {
			rawBody: "email=a@b.c&password=x",
			headers: { "content-type": "application/x-www-form-urlencoded" }
		});
		expect(response.status).toBe(422);
	});

	it("answers unknown routes and methods with 404 ERR_ROUTE_NOT_FOUND", async () => {
		for (const [method, path] of [
			["GET", "/api/nothing-here"],
			["DELETE", "/api/health"],
			["GET", "/api/sessions/not-a-uuid/tags"],
			["POST", "/api"]
		] as const) {
			const response = await http.request(method, path, { token: student.token });
			expect(response.status, `${method} ${path}`).toBe(404);
			expect(response.body.code).toBe("ERR_ROUTE_NOT_FOUND");
		}
	});

	it("answers a malformed id in the path with 422, not a database error", async () => {
		const response = await http.request("GET", "/api/sessions/42'%20OR%201=1", { token: student.token });
		expect(response.status).toBe(422);
		expect(response.body.fields[0].field).toBe("id");
	});

	it("does not expose internal actions or moleculer-web's alias list", async () => {
		expect((await http.request("GET", "/api/list-aliases")).status).toBe(404);
		expect((await http.request("GET", "/api/auth/linked-student-ids")).status).toBe(404);
	});
});

describe("gateway services", () => {
	it("reports health of the transporter and every database service", async () => {
		const response = await http.request("GET", "/api/health");
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ status: "ok", transporter: { type: "in-process", connected: true } });
		expect(Object.keys(response.body.databases)).toEqual(expect.arrayContaining(["auth", "sessions", "tags", "media"]));
		expect(Object.values(response.body.databases).every((probe: any) => probe.ok)).toBe(true);
	});

	it("answers CORS preflight for the configured origin", async () => {
		const response = await fetch(`${api.baseUrl}/api/sessions`, {
			method: "OPTIONS",
			headers: { origin: "https://app.etude.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" }
		});
		expect(response.status).toBe(204);
		expect(response.headers.get("access-control-allow-origin")).toBe("https://app.etude.example");
		expect(response.headers.get("access-control-allow-headers")).toMatch(/Authorization/i);
	});

	it("serves an OpenAPI document in which every route states who may call it", async () => {
		const response = await http.request("GET", "/api/openapi.json");
		expect(response.status).toBe(200);
		expect(response.body.openapi).toBe("3.1.0");
		const operations = Object.entries(response.body.paths as Record<string, Record<string, { "x-permissions"?: string[] }>>).flatMap(
			([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation }))
		);
		expect(operations.map((o) => o.route)).toEqual(
			expect.arrayContaining(["POST /api/sessions", "GET /api/sessions/{id}", "POST /api/auth/login", "GET /api/health", "PUT /api/sessions/{id}/tags/{tagId}"])
		);
		for (const { route, operation } of operations) expect(operation["x-permissions"], route).toBeInstanceOf(Array);
		expect(response.body.paths["/api/sessions"].post.requestBody.content["application/json"].schema.properties.focus.enum).toContain("scales");
	});
});
