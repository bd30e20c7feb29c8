import type pg from "pg";

/**
 * Every column of every table of the database (partitions too) whose value mentions one of the
 * markers (case-insensitively), with how many rows: what a purge or encryption test holds against
 * the catalog itself rather than against each service's idea of its tables. Needs a connection
 * that row-level security does not restrict (the tests' superuser).
 */
export async function columnsMentioning(database: pg.Client, markers: string[]): Promise<Record<string, number>> {
	const { rows: columns } = await database.query<{ table_name: string; column_name: string }>(
		`SELECT c.table_name, c.column_name FROM information_schema.columns c
		 JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		 WHERE c.table_schema = 'public' AND c.data_type IN ('uuid', 'text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')`
	);
	const patterns = markers.map((marker) => `%${marker}%`);
	const found: Record<string, number> = {};
	for (const { table_name: table, column_name: column } of columns) {
		const { rows } = await database.query<{ count: number }>(`SELECT count(*)::int AS count FROM public."${table}" WHERE "${column}"::text ILIKE ANY($1::text[])`, [patterns]);
		if (rows[0]!.count > 0) found[`${table}.${column}`] = rows[0]!.count;
	}
	return found;
}
