import pg from "pg";

/** The server the tests may create databases on; scripts/ensure-services.sh makes sure it runs. */
export const ADMIN_DATABASE_URL = process.env.TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase {
	url: string;
	drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
	const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
	await admin.connect();
	try {
		await admin.query(sql);
	} finally {
		await admin.end();
	}
}

/**
 * A new database with a unique name, empty or a copy of `template` (the URL of a database nobody
 * is connected to: PostgreSQL copies a migrated schema far faster than migrations rebuild it).
 */
export async function createScratchDatabase(prefix: string, options: { template?: string } = {}): Promise<ScratchDatabase> {
	const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
	const template = options.template === undefined ? "" : ` TEMPLATE ${pg.escapeIdentifier(new URL(options.template).pathname.slice(1))}`;
	await asAdmin(`CREATE DATABASE ${name}${template}`);
	const url = new URL(ADMIN_DATABASE_URL);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
	};
}
