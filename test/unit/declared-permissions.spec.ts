import type { ActionSchema, ServiceSchema } from "moleculer";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import analyticsService from "../../services/analytics/analytics.service";
import apiService from "../../services/api.service";
import authService from "../../services/auth.service";
import mediaService from "../../services/media/media.service";
import sessionsService from "../../services/practice/sessions.service";
import tagsService from "../../services/practice/tags.service";

const config = { ...loadConfig({}), jwtSecret: "x".repeat(40) };
const schemas: ServiceSchema[] = [
	apiService(config),
	authService(config),
	sessionsService(),
	tagsService(),
	mediaService(config),
	analyticsService(config)
];

function publishedActions(schema: ServiceSchema): Array<[string, ActionSchema]> {
	return Object.entries(schema.actions ?? {}).flatMap(([name, action]) =>
		typeof action === "object" && action.rest ? [[`${schema.name}.${name}`, action as ActionSchema]] : []
	);
}

/** The authorization matrix, readable from the action definitions themselves. */
describe("declared permissions", () => {
	it("every action reachable over HTTP declares who may call it", () => {
		for (const schema of schemas) {
			for (const [name, action] of publishedActions(schema)) {
				expect(action.permissions, name).toBeInstanceOf(Array);
				expect(action.permissions.length, name).toBeGreaterThan(0);
			}
		}
	});

	it("grants exactly these rights", () => {
		const matrix = Object.fromEntries(schemas.flatMap((schema) => publishedActions(schema).map(([name, action]) => [name, action.permissions.join(" ")])));
		expect(matrix).toEqual({
			"api.health": "public",
			"api.openapi": "public",
			"auth.register": "public",
			"auth.login": "public",
			"auth.refresh": "public",
			"auth.logout": "public",
			"auth.me": "authenticated",
			"auth.updateMe": "authenticated",
			"auth.deleteMe": "authenticated",
			"auth.createInvite": "teacher",
			"auth.listInvites": "teacher",
			"auth.redeemInvite": "student",
			"auth.listTeachers": "student",
			"auth.listStudents": "teacher",
			"sessions.create": "student",
			"sessions.list": "student teacher",
			"sessions.get": "$owner $linkedTeacher",
			"sessions.update": "$owner",
			"sessions.remove": "$owner",
			"sessions.attachTag": "$owner",
			"sessions.detachTag": "$owner",
			"tags.list": "student teacher",
			"tags.create": "student teacher",
			"tags.update": "$owner",
			"tags.remove": "$owner",
			"media.playlist": "public",
			"media.remove": "$owner",
			"analytics.sessionMetrics": "student teacher",
			"analytics.dashboard": "student teacher"
		});
	});

	it("every action that checks a relation loads its entity first", () => {
		for (const schema of schemas) {
			for (const [name, action] of publishedActions(schema)) {
				if (action.permissions.some((p: string) => p.startsWith("$"))) expect(action.needEntity, name).toBe(true);
			}
		}
	});
});
