import type { Migration } from "../lib/db/migrator";

/**
 * A per-user token epoch: access tokens carry the epoch they were issued in, and the gateway
 * refuses any whose epoch is no longer the user's (an account deleted or suspended, every
 * session ended) at once, instead of letting it work until it expires.
 */
export const tokenEpochSchema: Migration = {
	name: "0005-token-epoch",
	async up(client) {
		await client.query(`
			ALTER TABLE users ADD COLUMN token_epoch integer NOT NULL DEFAULT 0, ADD COLUMN suspended_at timestamptz;
			-- Expired refresh tokens are deleted by the auth service's timer.
			CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
		`);
	},
	async down(client) {
		await client.query("DROP INDEX refresh_tokens_expiry; ALTER TABLE users DROP COLUMN token_epoch, DROP COLUMN suspended_at;");
	}
};
