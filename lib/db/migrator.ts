import pg from "pg";
import { Umzug, type UmzugStorage } from "umzug";
import { migrations as allMigrations } from "../../migrations";
import type { PiiCipher } from "../pii";

/** What a migration may need beyond the connection: the personal-data keys, to convert rows it encrypts. */
export interface MigrationContext {
	pii?: PiiCipher;
}

export interface Migration {
	name: string;
	up(client: pg.ClientBase, context: MigrationContext): Promise<void>;
	down(client: pg.ClientBase, context: MigrationContext): Promise<void>;
}

// Any constant works; it only has to be the same for every node migrating this database.
const MIGRATION_LOCK_KEY = 7_301_946;

/**
 * Reads applied migrations from the database. The rows themselves are written inside each
 * migration's own transaction (see `migrateDatabase`), so a crash can never leave a
 * migration applied but unrecorded; umzug's log hooks therefore have nothing left to do.
 */
function tableStorage(client: pg.ClientBase): UmzugStorage<pg.ClientBase> {
	return {
		async executed() {
			await client.query(
				"CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
			);
			const { rows } = await client.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY name");
			return rows.map((row) => row.name);
		},
		async logMigration() {},
		async unlogMigration() {}
	};
}

export interface MigrationLog {
	info(message: string): void;
}

/**
 * Applies pending migrations on one dedicated connection, under an advisory lock so that
 * several nodes starting together migrate once. Each migration commits in its own
 * transaction together with its bookkeeping row.
 */
export async function migrateDatabase(
	databaseUrl: string,
	log?: MigrationLog,
	direction: "up" | "down" = "up",
	migrations: Migration[] = allMigrations,
	context: MigrationContext = {}
): Promise<string[]> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
		const umzug = new Umzug<pg.ClientBase>({
			migrations: migrations.map((migration) => ({
				name: migration.name,
				up: () =>
					inTransaction(client, async () => {
						await migration.up(client, context);
						await client.query("INSERT INTO schema_migrations (name) VALUES ($1)", [migration.name]);
					}),
				down: () =>
					inTransaction(client, async () => {
						await migration.down(client, context);
						await client.query("DELETE FROM schema_migrations WHERE name = $1", [migration.name]);
					})
			})),
			context: client,
			storage: tableStorage(client),
			logger: undefined
		});
		const applied = direction === "up" ? await umzug.up() : await umzug.down();
		for (const migration of applied) log?.info(`migration ${direction}: ${migration.name}`);
		return applied.map((migration) => migration.name);
	} finally {
		await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
		await client.end();
	}
}

async function inTransaction(client: pg.ClientBase, work: () => Promise<void>): Promise<void> {
	await client.query("BEGIN");
	try {
		await work();
		await client.query("COMMIT");
	} catch (error) {
		await client.query("ROLLBACK");
		throw error;
	}
}
