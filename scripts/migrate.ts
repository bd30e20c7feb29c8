import { loadConfig } from "../broker.config";
import { migrateDatabase } from "../lib/db/migrator";
import { migrations } from "../migrations";
import { PiiCipher } from "../lib/pii";
import { resolvePiiKeys } from "../lib/pii-keys";

/**
 * Applies pending migrations to DATABASE_URL and exits: the Kubernetes migration Job (and
 * `npm run migrate`) runs this before a rollout, so new pods start on the schema they need.
 * Nodes also migrate on start under the same advisory lock, so running both is harmless.
 * `npm run migrate -- down` reverts the last applied migration.
 */
async function main(): Promise<void> {
	const databaseUrl = process.env.DATABASE_URL?.trim();
	if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
		console.error("DATABASE_URL must be a postgres:// URL");
		process.exit(78);
	}
	const direction = process.argv[2] === "down" ? "down" : "up";
	// Converting stored personal data (migrations/0013) needs its keys, from PII_KEYS or DATA_DIR like a node.
	const pii = new PiiCipher(await resolvePiiKeys(loadConfig()));
	const applied = await migrateDatabase(databaseUrl, { info: (message) => console.log(message) }, direction, migrations, { pii });
	console.log(applied.length === 0 ? "The database is up to date" : `${applied.length} migration(s) ${direction === "up" ? "applied" : "reverted"}`);
}

main().catch((error: unknown) => {
	console.error("Migration failed:", error);
	process.exit(1);
});
