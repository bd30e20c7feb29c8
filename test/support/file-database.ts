/**
 * Every integration file has a database of its own, copied from the migrated template before the
 * file starts (test/integration/file-database.setup.ts): a node starting up takes over unfinished
 * work it finds in its database, so files sharing one would process each other's jobs, and with a
 * database each they can run side by side.
 */
export const FILE_DATABASE_ENV = "ETUDE_TEST_FILE_DATABASE_URL";

export function testDatabaseUrl(): string {
	const url = process.env[FILE_DATABASE_ENV];
	if (url === undefined) throw new Error(`${FILE_DATABASE_ENV} is unset: the file runs without test/integration/file-database.setup.ts`);
	return url;
}
