import pg from "pg";
import { QueryTypes, type Sequelize } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseOf } from "../../lib/db/connection";
import { httpClient } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * The services' own connections: they work as the application role, so a query that does not
 * name its actor sees nothing, while the same data is served through the API to its owner.
 */
let api: TestApi;
let sequelize: Sequelize;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	sequelize = databaseOf(api.node.broker);
});
afterAll(() => api.stop());

describe("every service query runs under row-level security", () => {
	it("connects as a role that owns no table and bypasses nothing", async () => {
		const [role] = await sequelize.query<{ user: string; superuser: string; bypass: boolean }>(
			`SELECT current_user AS user, current_setting('is_superuser') AS superuser, r.rolbypassrls AS bypass
			 FROM pg_roles r WHERE r.rolname = current_user`,
			{ type: QueryTypes.SELECT }
		);
		expect(role).toEqual({ user: "etude_app", superuser: "off", bypass: false });
		const [owned] = await sequelize.query<{ n: number }>(
			"SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user",
			{ type: QueryTypes.SELECT }
		);
		expect(owned!.n).toBe(0);
	});

	it("shows nothing to a query without an acting user, though the owner reads their data through the API", async () => {
		const http = httpClient(api.baseUrl);
		const student = await http.register("student");
		const created = await http.request("POST", "/api/sessions", {
			token: student.token,
			body: { focus: "scales", startedAt: "2026-11-20T17:00:00.000Z", endedAt: "2026-11-20T17:30:00.000Z" }
		});
		expect(created.status).toBe(201);
		expect((await http.request("GET", `/api/sessions/${created.body.id}`, { token: student.token })).status).toBe(200);

		for (const table of ["users", "refresh_tokens", "practice_sessions", "tags", "videos", "metric_analyses"]) {
			const [result] = await sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`, { type: QueryTypes.SELECT });
			expect(result!.n, table).toBe(0);
		}
	});

	it("reads a model in one round trip under the actor named: their rows only, attributes by name, in the order asked", async () => {
		const http = httpClient(api.baseUrl);
		const [student, other] = await Promise.all([http.register("student"), http.register("student")]);
		for (const startedAt of ["2026-11-21T17:00:00.000Z", "2026-11-20T17:00:00.000Z"]) {
			const created = await http.request("POST", "/api/sessions", {
				token: student.token,
				body: { focus: "scales", startedAt, endedAt: new Date(Date.parse(startedAt) + 600_000).toISOString() }
			});
			expect(created.status).toBe(201);
		}
		const sessions = api.node.broker.getLocalService("sessions") as unknown as {
			models: { primary: unknown };
			findAllAs(actor: object, model: unknown, options: object): Promise<Array<Record<string, unknown>>>;
		};
		const read = (userId: string) =>
			sessions.findAllAs({ userId, readableStudentIds: [] }, sessions.models.primary, { attributes: ["id", "studentId", "startedAt"], order: [["startedAt", "ASC"]] });
		const own = await read(student.id);
		expect(own.map((row) => ({ studentId: row.studentId, startedAt: (row.startedAt as Date).toISOString() }))).toEqual([
			{ studentId: student.id, startedAt: "2026-11-20T17:00:00.000Z" },
			{ studentId: student.id, startedAt: "2026-11-21T17:00:00.000Z" }
		]);
		expect(await read(other.id)).toEqual([]);
		// One statement to the server: no transaction around it.
		const query = pg.Client.prototype.query;
		let sent = 0;
		pg.Client.prototype.query = function countingQuery(this: pg.Client, ...args: unknown[]) {
			sent++;
			return (query as (...callArgs: unknown[]) => unknown).apply(this, args);
		} as typeof query;
		try {
			await read(student.id);
		} finally {
			pg.Client.prototype.query = query;
		}
		expect(sent).toBe(1);
	});
});
