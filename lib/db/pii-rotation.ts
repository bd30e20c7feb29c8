import type pg from "pg";
import { normalizeEmail, type PiiCipher } from "../pii";

const BATCH = 500;

/**
 * Re-encrypts and re-indexes every user's email that is not yet under the newest key, in batches,
 * each its own transaction acting as auth (the owner is bound by row-level security too). Safe to
 * run while nodes serve: they read and find rows under every configured key. Returns how many
 * rows were rewritten; once it has run, the older keys can be removed from PII_KEYS.
 */
export async function rotatePersonalData(client: pg.ClientBase, pii: PiiCipher): Promise<number> {
	let rewritten = 0;
	for (;;) {
		await client.query("BEGIN");
		try {
			await client.query("SET LOCAL ROLE etude_app; SET LOCAL etude.system_actor = 'auth'");
			const { rows } = await client.query<{ id: string; encrypted: string; index: string | null }>(
				`SELECT id, email_encrypted AS encrypted, email_index AS index FROM users
				 WHERE split_part(email_encrypted, '.', 2) <> $1 OR split_part(email_index, '.', 1) <> $1
				 ORDER BY id LIMIT $2 FOR UPDATE`,
				[pii.currentKeyId, BATCH]
			);
			if (rows.length === 0) {
				await client.query("COMMIT");
				return rewritten;
			}
			const emails = rows.map((row) => pii.decrypt("users.email", row.id, row.encrypted));
			await client.query(
				`UPDATE users u SET email_encrypted = b.encrypted, email_index = b.index
				 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS b(id, encrypted, index) WHERE u.id = b.id`,
				[
					rows.map((row) => row.id),
					rows.map((row, index) => pii.encrypt("users.email", row.id, emails[index]!)),
					// A row kept without an index (a superseded duplicate, see migrations/0013) stays without one.
					rows.map((row, index) => (row.index === null ? null : pii.blindIndex("users.email", normalizeEmail(emails[index]!))))
				]
			);
			await client.query("COMMIT");
			rewritten += rows.length;
		} catch (error) {
			await client.query("ROLLBACK");
			throw error;
		}
	}
}
