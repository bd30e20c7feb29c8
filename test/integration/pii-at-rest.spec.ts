import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotatePersonalData } from "../../lib/db/pii-rotation";
import { migrateDatabase } from "../../lib/db/migrator";
import { formatPiiKeys, newPiiKey, PiiCipher } from "../../lib/pii";
import { migrations } from "../../migrations";
import { columnsMentioning } from "../support/database-scan";
import { httpClient } from "../support/http-client";
import { createScratchDatabase } from "../support/postgres";
import { startTestApi } from "../support/test-node";

/**
 * Emails encrypted at rest: the database never holds one in clear, sign-in and uniqueness work
 * through the blind index, a key rotation rewrites every row under the newest key (after which
 * the old key can go), and the migration converts the rows that were there before.
 */
const firstKey = newPiiKey("first");
const secondKey = newPiiKey("second");
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let database: pg.Client;

beforeAll(async () => {
	scratch = await createScratchDatabase("etude_pii");
	await migrateDatabase(scratch.url);
	database = new pg.Client({ connectionString: scratch.url });
	await database.connect();
});
afterAll(async () => {
	await database?.end();
	await scratch?.drop();
});

async function withNode<T>(piiKeys: string, work: (http: ReturnType<typeof httpClient>) => Promise<T>): Promise<T> {
	const api = await startTestApi(scratch.url, { PII_KEYS: piiKeys, SERVICES: "api,auth" });
	try {
		return await work(httpClient(api.baseUrl));
	} finally {
		await api.stop();
	}
}

const PASSWORD = "correct horse battery";
const register = (http: ReturnType<typeof httpClient>, email: string) =>
	http.request("POST", "/api/auth/register", { body: { email, password: PASSWORD, role: "student", name: "Pat", timezone: "Europe/Vienna" } });
const signIn = (http: ReturnType<typeof httpClient>, email: string) => http.request("POST", "/api/auth/login", { body: { email, password: PASSWORD } });

describe("emails at rest", () => {
	const email = `pat.${randomUUID().slice(0, 8)}@example.org`;

	it("are never stored in clear, yet sign-in and uniqueness work by the blind index", async () => {
		await withNode(formatPiiKeys([firstKey]), async (http) => {
			const created = await register(http, email);
			expect(created.status).toBe(201);
			expect(created.body.user.email).toBe(email);
			expect(await columnsMentioning(database, [email, email.split("@")[0]!])).toEqual({});
			const { rows } = await database.query("SELECT email_encrypted, email_index FROM users WHERE id = $1", [created.body.user.id]);
			expect(rows[0].email_encrypted).toMatch(/^v1\.first\./);
			expect(rows[0].email_index).toMatch(/^first\./);

			const signedIn = await signIn(http, email.toUpperCase());
			expect(signedIn.status).toBe(200);
			expect(signedIn.body.user.email).toBe(email);
			expect((await http.request("GET", "/api/me", { token: signedIn.body.token })).body.email).toBe(email);
			expect((await register(http, ` ${email.toUpperCase()}`)).body.code).toBe("ERR_EMAIL_TAKEN");
			expect((await signIn(http, `other.${email}`)).status).toBe(401);
		});
	});

	it("are rewritten under the newest key by a rotation, after which the old key can go", async () => {
		const during = `during.${email}`;
		await withNode(formatPiiKeys([secondKey, firstKey]), async (http) => {
			// New key first, rotation not run yet: old rows still sign in and still count as taken.
			expect((await signIn(http, email)).status).toBe(200);
			expect((await register(http, email)).body.code).toBe("ERR_EMAIL_TAKEN");
			expect((await register(http, during)).status).toBe(201);
		});
		const rotated = await rotatePersonalData(database, new PiiCipher([secondKey, firstKey]));
		expect(rotated).toBeGreaterThanOrEqual(1);
		expect(await rotatePersonalData(database, new PiiCipher([secondKey, firstKey]))).toBe(0);
		const { rows } = await database.query("SELECT split_part(email_encrypted, '.', 2) AS key, split_part(email_index, '.', 1) AS index_key FROM users");
		expect(new Set(rows.map((row) => `${row.key}/${row.index_key}`))).toEqual(new Set(["second/second"]));

		await withNode(formatPiiKeys([secondKey]), async (http) => {
			for (const address of [email, during]) {
				const signedIn = await signIn(http, address);
				expect(signedIn.status, address).toBe(200);
				expect(signedIn.body.user.email).toBe(address);
			}
			expect((await register(http, email)).body.code).toBe("ERR_EMAIL_TAKEN");
		});
	});
});

describe("the migration to encrypted emails", () => {
	it("converts the accounts already there, and refuses to run without the keys", async () => {
		const before = await createScratchDatabase("etude_pii_migration");
		const client = new pg.Client({ connectionString: before.url });
		await client.connect();
		try {
			const earlier = migrations.filter((migration) => migration.name < "0013");
			await migrateDatabase(before.url, undefined, "up", earlier);
			const active = randomUUID();
			const reused = randomUUID();
			await client.query(
				`INSERT INTO users (id, email, password_hash, role, name, deleted_at) VALUES
				 ($1, 'Kim@Example.org', 'hash', 'student', 'Kim', NULL), ($2, 'kim@example.org', 'hash', 'student', 'Old Kim', now() - interval '30 days')`,
				[active, reused]
			);
			await expect(migrateDatabase(before.url)).rejects.toThrow(/personal-data keys/);

			const pii = new PiiCipher([firstKey]);
			await migrateDatabase(before.url, undefined, "up", migrations, { pii });
			expect(await columnsMentioning(client, ["kim@example.org"])).toEqual({});
			const { rows } = await client.query("SELECT id, email_encrypted, email_index FROM users ORDER BY deleted_at NULLS FIRST");
			expect(rows.map((row) => pii.decrypt("users.email", row.id, row.email_encrypted))).toEqual(["Kim@Example.org", "kim@example.org"]);
			// The deleted account that shared the address keeps no index: only the active one signs in.
			expect(rows.map((row) => row.email_index === null)).toEqual([false, true]);
			expect(rows[0].id).toBe(active);
		} finally {
			await client.end();
			await before.drop();
		}
	});
});
