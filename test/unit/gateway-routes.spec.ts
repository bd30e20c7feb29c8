import type { ServiceSchema } from "moleculer";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { absentGroups, aliasesOf, buildRouteTable } from "../../lib/gateway-routes";
import { declaredGatewayRoutes } from "../../lib/node";

const config = { ...loadConfig({}), jwtSecret: "x".repeat(40) };

describe("the gateway's declared route table", () => {
	it("holds every group but the gateway itself, each with the services that must be present", async () => {
		const table = await declaredGatewayRoutes(config);
		expect(table.map((group) => group.group)).toEqual(config.services.filter((name) => name !== "api"));
		const practice = table.find((group) => group.group === "practice")!;
		expect(practice.services).toEqual(["sessions", "tags"]);
		expect(practice.routes).toContainEqual({ method: "POST", path: "/sessions", action: "sessions.create" });
		expect(aliasesOf(table)["GET /sessions/:id"]).toBe("sessions.get");
	});

	it("takes routes as Moleculer merges mixins, so an action a mixin removes has none", async () => {
		const table = await declaredGatewayRoutes(config);
		const media = table.find((group) => group.group === "media")!;
		// moleculer-db's CRUD actions (GET /, POST / …) are switched off by our db mixin.
		expect(media.routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
			"DELETE /forum-media/:id",
			"DELETE /videos/:id",
			"GET /forum-media/:id",
			"GET /forum-media/:id/:file",
			"GET /videos/:id/hls/:file"
		]);
	});

	it("refuses two actions claiming one method and path", () => {
		const first: ServiceSchema = { name: "first", settings: { rest: "/" }, actions: { read: { rest: "GET /things", handler() {} } } };
		const second: ServiceSchema = { name: "second", settings: { rest: "/" }, actions: { list: { rest: "GET /things/", handler() {} } } };
		expect(() => buildRouteTable({ one: [first], two: [second] })).toThrow("GET /things is declared by both first.read and second.list");
	});

	it("reads the base path from the service name when settings.rest is absent, and skips internal actions", () => {
		const schema: ServiceSchema = {
			name: "lessons",
			version: 2,
			actions: { list: { rest: "GET /", handler() {} }, plan: { rest: { method: "POST", path: "/plan" }, handler() {} }, internal: { visibility: "public", rest: "GET /x", handler() {} } }
		};
		expect(buildRouteTable({ teaching: [schema] })).toEqual([
			{
				group: "teaching",
				services: ["v2.lessons"],
				routes: [
					{ method: "GET", path: "/v2/lessons", action: "v2.lessons.list" },
					{ method: "POST", path: "/v2/lessons/plan", action: "v2.lessons.plan" }
				]
			}
		]);
	});

	it("counts a group absent until every one of its services is reachable", async () => {
		const table = await declaredGatewayRoutes(config);
		const everything = new Set(table.flatMap((group) => group.services));
		expect(absentGroups(table, everything)).toEqual([]);
		everything.delete("tags");
		expect(absentGroups(table, everything)).toEqual(["practice"]);
	});
});
