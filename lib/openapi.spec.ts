import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, ruleToSchema } from "./openapi";

describe("ruleToSchema", () => {
	it("maps the validator rules our actions use to JSON Schema", () => {
		expect(ruleToSchema({ type: "string", min: 1, max: 40 })).toEqual({ type: "string", minLength: 1, maxLength: 40 });
		expect(ruleToSchema({ type: "number", integer: true, min: 1, max: 5, nullable: true })).toEqual({ type: ["integer", "null"], minimum: 1, maximum: 5 });
		expect(ruleToSchema({ type: "enum", values: ["a", "b"] })).toEqual({ type: "string", enum: ["a", "b"] });
		expect(ruleToSchema({ type: "array", items: "uuid", max: 3 })).toEqual({ type: "array", items: { type: "string", format: "uuid" }, maxItems: 3 });
		expect(ruleToSchema({ type: "string", pattern: /^#[0-9a-f]{6}$/ })).toEqual({ type: "string", pattern: "^#[0-9a-f]{6}$" });
		expect(ruleToSchema({ type: "url", max: 1000, nullable: true, optional: true })).toEqual({ type: ["string", "null"], format: "uri", maxLength: 1000 });
		expect(ruleToSchema({ type: "enum", values: [1, -1] })).toEqual({ type: "integer", enum: [1, -1] });
		expect(ruleToSchema({ type: "tuple", items: [{ type: "number" }, { type: "number" }] })).toEqual({
			type: "array",
			prefixItems: [{ type: "number" }, { type: "number" }],
			minItems: 2,
			maxItems: 2
		});
		expect(ruleToSchema({ type: "custom", check: () => true, nullable: true })).toEqual({});
	});
});

describe("buildOpenApiDocument", () => {
	it("documents path, query and body parameters and who may call", () => {
		const document = buildOpenApiDocument(
			[
				{ name: "sessions.get", rest: "GET /sessions/:id", params: { id: { type: "uuid" }, fields: { type: "string", optional: true } }, permissions: ["$owner"] },
				{ name: "auth.login", rest: "POST /auth/login", params: { $$strict: true, email: { type: "email" }, password: { type: "string" } }, permissions: ["public"] }
			],
			"/api",
			"1.0.0"
		) as any;
		const get = document.paths["/api/sessions/{id}"].get;
		expect(get.parameters).toEqual([
			{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
			{ name: "fields", in: "query", required: false, schema: { type: "string" } }
		]);
		expect(get.security).toEqual([{ bearerAuth: [] }]);
		expect(get["x-permissions"]).toEqual(["$owner"]);
		const login = document.paths["/api/auth/login"].post;
		expect(login.security).toBeUndefined();
		expect(login.requestBody.content["application/json"].schema).toMatchObject({ required: ["email", "password"], additionalProperties: false });
	});

	it("keeps a DELETE's parameters in its body, never in the query string that access logs keep", () => {
		const document = buildOpenApiDocument(
			[{ name: "auth.deleteMe", rest: "DELETE /me", params: { $$strict: true, password: { type: "string", min: 1 } }, permissions: ["authenticated"] }],
			"/api",
			"1.0.0"
		) as any;
		const remove = document.paths["/api/me"].delete;
		expect(remove.parameters).toEqual([]);
		expect(remove.requestBody.content["application/json"].schema).toMatchObject({ properties: { password: { type: "string", minLength: 1 } }, required: ["password"] });
	});
});
