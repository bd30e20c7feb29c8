import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";

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
	client = new pg.Client({ connectionString: inject("databaseUrl") });
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
