import path from "node:path";
import pg from "pg";
import { ConfigurationError, loadConfig } from "../broker.config";
import { rotatePersonalData } from "../lib/db/pii-rotation";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../lib/db/embedded-postgres";
import { PiiCipher } from "../lib/pii";
import { resolvePiiKeys } from "../lib/pii-keys";

/**
 * `npm run pii:rotate`: after a new key is put first in PII_KEYS (and every node restarted with
 * it), rewrites every encrypted email under it; then the old keys can be dropped from PII_KEYS.
 * Distributed: against DATABASE_URL while the cluster runs. Embedded default: stop the node first
 * (its database is a folder in DATA_DIR, opened by one process at a time).
 */
async function main(): Promise<void> {
	const config = loadConfig();
	const pii = new PiiCipher(await resolvePiiKeys(config));
	let embedded: EmbeddedPostgres | undefined;
	const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(path.join(config.dataDir, "pg"))).url;
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		const rewritten = await rotatePersonalData(client, pii);
		console.log(`${rewritten} row(s) rewritten under key "${pii.currentKeyId}"`);
	} finally {
		await client.end();
		await embedded?.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof ConfigurationError ? error.message : error);
	process.exit(error instanceof ConfigurationError ? 78 : 1);
});
