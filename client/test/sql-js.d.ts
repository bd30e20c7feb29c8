/** The part of sql.js (which ships no types) the SQLite queue tests use to stand in for the native database. */
declare module "sql.js" {
	type SqlValue = string | number | null | Uint8Array;
	interface Statement {
		bind(values: SqlValue[]): boolean;
		step(): boolean;
		getAsObject(): Record<string, SqlValue>;
		free(): void;
	}
	interface Database {
		exec(sql: string): unknown;
		run(sql: string, values?: SqlValue[]): Database;
		prepare(sql: string): Statement;
		getRowsModified(): number;
	}
	interface SqlJsStatic {
		Database: new () => Database;
	}
	export type { Database, SqlValue };
	export default function initSqlJs(config?: { locateFile?: (file: string) => string }): Promise<SqlJsStatic>;
}
