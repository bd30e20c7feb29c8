import type pg from "pg";
import type { Migration } from "../lib/db/migrator";
import { normalizeEmail, type PiiCipher } from "../lib/pii";

/**
 * Privacy (issue 8).
 * - Export jobs: a person asks for everything held about them; the job collects each service's rows
 *   and their files into one archive in the bucket, downloaded through a signed, expiring link.
 * - Emails encrypted at rest (AES-256-GCM, lib/pii.ts) with a keyed blind index for sign-in and
 *   uniqueness. Existing rows are converted here, so the keys must be at hand (PII_KEYS, or the
 *   embedded default's DATA_DIR). The index is unique over every row, deleted ones included: an
 *   address waiting out its deletion's grace period can still take its account back, so nobody
 *   else may register it meanwhile. An older deleted row sharing an address with another account
 *   (possible before) keeps no index: it can no longer sign in, and is purged in its time.
 */
const CONVERSION_BATCH = 500;

async function encryptEmails(client: pg.ClientBase, pii: PiiCipher | undefined): Promise<void> {
	// The owner is bound by row-level security too: the rows are read and written as auth would.
	await client.query("SET LOCAL ROLE etude_app; SET LOCAL etude.system_actor = 'auth'");
	const { rows } = await client.query<{ id: string; email: string }>("SELECT id, email FROM users ORDER BY deleted_at IS NULL DESC, deleted_at DESC, created_at DESC");
	if (rows.length === 0) {
		await client.query("RESET ROLE");
		return;
	}
	if (!pii) throw new Error("users hold emails in clear: this migration encrypts them and needs the personal-data keys (PII_KEYS, or the DATA_DIR of the embedded default)");
	const indexed = new Set<string>();
	for (let start = 0; start < rows.length; start += CONVERSION_BATCH) {
		const batch = rows.slice(start, start + CONVERSION_BATCH).map((row) => {
			const index = pii.blindIndex("users.email", normalizeEmail(row.email));
			const unique = !indexed.has(index);
			indexed.add(index);
			return { id: row.id, encrypted: pii.encrypt("users.email", row.id, row.email), index: unique ? index : null };
		});
		await client.query(
			`UPDATE users u SET email_encrypted = b.encrypted, email_index = b.index
			 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS b(id, encrypted, index) WHERE u.id = b.id`,
			[batch.map((row) => row.id), batch.map((row) => row.encrypted), batch.map((row) => row.index)]
		);
	}
	await client.query("RESET ROLE");
}

async function decryptEmails(client: pg.ClientBase, pii: PiiCipher | undefined): Promise<void> {
	await client.query("SET LOCAL ROLE etude_app; SET LOCAL etude.system_actor = 'auth'");
	const { rows } = await client.query<{ id: string; emailEncrypted: string }>('SELECT id, email_encrypted AS "emailEncrypted" FROM users');
	if (rows.length > 0) {
		if (!pii) throw new Error("reverting needs the personal-data keys to decrypt the emails");
		await client.query("UPDATE users u SET email = b.email FROM unnest($1::uuid[], $2::text[]) AS b(id, email) WHERE u.id = b.id", [
			rows.map((row) => row.id),
			rows.map((row) => pii.decrypt("users.email", row.id, row.emailEncrypted))
		]);
	}
	await client.query("RESET ROLE");
}

export const privacySchema: Migration = {
	name: "0013-privacy",
	async up(client, context) {
		await client.query(`
			CREATE TYPE personal_data_export_status AS ENUM ('pending', 'ready', 'failed', 'expired');
			CREATE TABLE personal_data_exports (
				id uuid PRIMARY KEY,
				user_id uuid NOT NULL,
				status personal_data_export_status NOT NULL DEFAULT 'pending',
				archive_key text,
				size_bytes bigint,
				failure_reason text,
				attempts integer NOT NULL DEFAULT 0,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				ready_at timestamptz,
				expires_at timestamptz
			);
			CREATE INDEX personal_data_exports_user ON personal_data_exports (user_id, created_at DESC);
			CREATE INDEX personal_data_exports_expiry ON personal_data_exports (expires_at) WHERE status = 'ready';

			-- People read their own jobs; the export services (system actor 'exports') do all the writing.
			CREATE POLICY personal_data_exports_own ON personal_data_exports FOR SELECT TO etude_app USING (user_id = etude_acting_user());
			CREATE POLICY personal_data_exports_service ON personal_data_exports FOR ALL TO etude_app
				USING (etude_acting_system() = 'exports') WITH CHECK (etude_acting_system() = 'exports');
			ALTER TABLE personal_data_exports ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

			ALTER TABLE users ADD COLUMN email_encrypted text, ADD COLUMN email_index text;
		`);
		await encryptEmails(client, context.pii);
		await client.query(`
			DROP INDEX users_email_active;
			ALTER TABLE users DROP COLUMN email, ALTER COLUMN email_encrypted SET NOT NULL;
			CREATE UNIQUE INDEX users_email_index ON users (email_index);
		`);
	},
	async down(client, context) {
		await client.query("ALTER TABLE users ADD COLUMN email text");
		await decryptEmails(client, context.pii);
		await client.query(`
			DROP INDEX users_email_index;
			ALTER TABLE users DROP COLUMN email_encrypted, DROP COLUMN email_index, ALTER COLUMN email SET NOT NULL;
			CREATE UNIQUE INDEX users_email_active ON users (lower(email)) WHERE deleted_at IS NULL;
			DROP TABLE IF EXISTS personal_data_exports; DROP TYPE IF EXISTS personal_data_export_status;
		`);
	}
};
