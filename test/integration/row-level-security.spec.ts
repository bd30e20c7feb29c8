import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Defence in depth: even a query with no WHERE clause, run as the application role, sees and
 * changes only what the acting user may. Exercised directly against PostgreSQL.
 */
let client: pg.Client;
const alice = randomUUID();
const bob = randomUUID();
const teacher = randomUUID();

async function asActor<T>(userId: string, readable: string[], work: () => Promise<T>): Promise<T> {
	await client.query("BEGIN");
	try {
		await client.query(
			"SELECT set_config('role', 'etude_app', true), set_config('etude.user_id', $1, true), set_config('etude.readable_students', $2, true)",
			[userId, readable.join(",")]
		);
		return await work();
	} finally {
		await client.query("ROLLBACK");
	}
}

beforeAll(async () => {
	client = new pg.Client({ connectionString: testDatabaseUrl() });
	await client.connect();
	for (const student of [alice, bob]) {
		await client.query(
			"INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts) VALUES ($1, $2, 'scales', now() - interval '1 hour', now())",
			[randomUUID(), student]
		);
	}
});
afterAll(() => client.end());

describe("row-level security on practice sessions", () => {
	it("shows a student only their own rows, whatever the query", async () => {
		const rows = await asActor(alice, [], () => client.query("SELECT student_id FROM practice_sessions WHERE student_id = ANY($1)", [[alice, bob]]));
		expect(rows.rows.map((row) => row.student_id)).toEqual([alice]);
	});

	it("refuses to write a row for someone else", async () => {
		await expect(
			asActor(alice, [], () =>
				client.query("INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts) VALUES ($1, $2, 'scales', now() - interval '1 hour', now())", [randomUUID(), bob])
			)
		).rejects.toThrow(/row-level security/);
		const updated = await asActor(alice, [], () => client.query("UPDATE practice_sessions SET note = 'x' WHERE student_id = $1", [bob]));
		expect(updated.rowCount).toBe(0);
	});

	it("lets a teacher read linked students' rows but change none of them", async () => {
		const seen = await asActor(teacher, [bob], () => client.query("SELECT student_id FROM practice_sessions WHERE student_id = ANY($1)", [[alice, bob]]));
		expect(seen.rows.map((row) => row.student_id)).toEqual([bob]);
		const updated = await asActor(teacher, [bob], () => client.query("UPDATE practice_sessions SET note = 'x' WHERE student_id = $1", [bob]));
		expect(updated.rowCount).toBe(0);
		const deleted = await asActor(teacher, [bob], () => client.query("DELETE FROM practice_sessions WHERE student_id = $1", [bob]));
		expect(deleted.rowCount).toBe(0);
	});

	it("shows nothing when no user is set", async () => {
		await client.query("BEGIN");
		try {
			await client.query("SET LOCAL ROLE etude_app");
			expect((await client.query("SELECT count(*)::int AS n FROM practice_sessions")).rows[0].n).toBe(0);
		} finally {
			await client.query("ROLLBACK");
		}
	});
});

describe("row-level security everywhere", () => {
	it("forces row-level security on every table the application role can read", async () => {
		const { rows } = await client.query<{ table: string; enabled: boolean; forced: boolean }>(
			`SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
			 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND has_table_privilege('etude_app', c.oid, 'SELECT')
			 ORDER BY 1`
		);
		expect(rows.length).toBeGreaterThanOrEqual(19);
		expect(rows.filter((row) => !row.enabled || !row.forced).map((row) => row.table)).toEqual([]);
	});

	it("lets the application role only insert into metric partitions, whose reads go through the parent's policies", async () => {
		const { rows } = await client.query<{ partition: string; canSelect: boolean; canInsert: boolean }>(
			`SELECT inhrelid::regclass::text AS partition, has_table_privilege('etude_app', inhrelid, 'SELECT') AS "canSelect",
			        has_table_privilege('etude_app', inhrelid, 'INSERT') AS "canInsert"
			 FROM pg_inherits WHERE inhparent = 'metrics'::regclass`
		);
		expect(rows.length).toBeGreaterThan(0);
		for (const row of rows) expect(row, row.partition).toMatchObject({ canSelect: false, canInsert: true });
	});

	it("admits a service's system actor only to the tables of that service", async () => {
		const asSystem = async (name: string, sql: string) => {
			await client.query("BEGIN");
			try {
				await client.query("SELECT set_config('role', 'etude_app', true), set_config('etude.system_actor', $1, true)", [name]);
				return (await client.query(sql)).rows[0].n as number;
			} finally {
				await client.query("ROLLBACK");
			}
		};
		expect(await asSystem("sessions", "SELECT count(*)::int AS n FROM practice_sessions")).toBeGreaterThanOrEqual(2);
		expect(await asSystem("media", "SELECT count(*)::int AS n FROM practice_sessions")).toBe(0);
		expect(await asSystem("sessions", "SELECT count(*)::int AS n FROM users")).toBe(0);
	});
});
