import { Capacitor } from "@capacitor/core";
import {
	CapacitorSQLite,
	SQLiteConnection,
	type CapacitorSQLitePlugin,
	type SQLiteDBConnection
} from "@capacitor-community/sqlite";
import type { QueuedSession, SyncState } from "../models/sync";
import type { SessionQueueStorage } from "./session-queue";
import { KeychainSecretStore, prepareEncryptedDatabase, type SecretStore } from "./sqlite-encryption";

const DATABASE_NAME = "etude_offline";
const TABLE = "session_queue";

interface QueueRow {
	session_id: string;
	owner_id: string | null;
	payload: string;
	state: SyncState;
	attempts: number;
	last_error_code: string | null;
	last_error_message: string | null;
	queued_at: string;
}

/**
 * The table's columns, declared once: the schema, the upgrade of a table an earlier version created and the
 * writes are built from it. Columns added after the first version are nullable, so the upgrade can add them.
 */
const COLUMNS: Record<keyof QueueRow, string> = {
	session_id: "TEXT PRIMARY KEY NOT NULL",
	owner_id: "TEXT",
	payload: "TEXT NOT NULL",
	state: "TEXT NOT NULL",
	attempts: "INTEGER NOT NULL DEFAULT 0",
	last_error_code: "TEXT",
	last_error_message: "TEXT",
	queued_at: "TEXT NOT NULL"
};
const COLUMN_NAMES = Object.keys(COLUMNS) as Array<keyof QueueRow>;
/** Kept from the first write: the queue's order is the order sessions were logged in. */
const WRITTEN_ONCE = new Set<keyof QueueRow>(["session_id", "queued_at"]);

const UPSERT = `INSERT INTO ${TABLE} (${COLUMN_NAMES.join(", ")}) VALUES (${COLUMN_NAMES.map(() => "?").join(", ")})
	ON CONFLICT(session_id) DO UPDATE SET ${COLUMN_NAMES.filter((name) => !WRITTEN_ONCE.has(name))
		.map((name) => `${name} = excluded.${name}`)
		.join(", ")}`;

function toRow(entry: QueuedSession): QueueRow {
	return {
		session_id: entry.session.id,
		owner_id: entry.ownerId,
		payload: JSON.stringify(entry.session),
		state: entry.state,
		attempts: entry.attempts,
		last_error_code: entry.lastErrorCode,
		last_error_message: entry.lastErrorMessage,
		queued_at: entry.queuedAt
	};
}

function fromRow(row: QueueRow): QueuedSession {
	return {
		session: JSON.parse(row.payload) as QueuedSession["session"],
		// Rows an earlier version wrote have no owner; they stay unclaimed until someone confirms they are theirs.
		ownerId: row.owner_id ?? null,
		state: row.state,
		attempts: row.attempts,
		lastErrorCode: row.last_error_code,
		lastErrorMessage: row.last_error_message ?? null,
		queuedAt: row.queued_at
	};
}

async function createOrUpgradeTable(db: SQLiteDBConnection) {
	await db.execute(
		`CREATE TABLE IF NOT EXISTS ${TABLE} (${COLUMN_NAMES.map((name) => `${name} ${COLUMNS[name]}`).join(", ")});`
	);
	const existing = new Set(
		((await db.query(`PRAGMA table_info(${TABLE})`)).values ?? []).map((column: { name: string }) => column.name)
	);
	for (const name of COLUMN_NAMES.filter((candidate) => !existing.has(candidate))) {
		await db.execute(`ALTER TABLE ${TABLE} ADD COLUMN ${name} ${COLUMNS[name]};`);
	}
}

/** On the web the plugin needs the jeep-sqlite element (sql.js over IndexedDB) in the page first. */
async function prepareWebStore(sqlite: SQLiteConnection) {
	if (!customElements.get("jeep-sqlite")) {
		const { JeepSqlite } = await import("jeep-sqlite/dist/components/jeep-sqlite");
		customElements.define("jeep-sqlite", JeepSqlite);
	}
	if (!document.querySelector("jeep-sqlite")) {
		document.body.appendChild(document.createElement("jeep-sqlite"));
	}
	await customElements.whenDefined("jeep-sqlite");
	await sqlite.initWebStore();
}

export interface SqliteQueueOptions {
	/** The native side of the plugin; tests stand in for it. */
	plugin?: CapacitorSQLitePlugin;
	platform?: string;
	/** Where a device keeps the database's secret. */
	secrets?: SecretStore;
}

/**
 * The offline queue in SQLite. On iOS and Android the database is SQLCipher-encrypted with a secret kept in
 * the Keychain/Keystore; the web store (jeep-sqlite) cannot encrypt (see client/README.md).
 */
export class SqliteSessionQueueStorage implements SessionQueueStorage {
	private constructor(
		private readonly sqlite: SQLiteConnection,
		private readonly db: SQLiteDBConnection,
		private readonly isWeb: boolean
	) {}

	static async open(options: SqliteQueueOptions = {}): Promise<SqliteSessionQueueStorage> {
		const sqlite = new SQLiteConnection(options.plugin ?? CapacitorSQLite);
		const isWeb = (options.platform ?? Capacitor.getPlatform()) === "web";
		if (isWeb) await prepareWebStore(sqlite);
		await sqlite.checkConnectionsConsistency();
		const existing = (await sqlite.isConnection(DATABASE_NAME, false)).result;
		let db: SQLiteDBConnection;
		if (existing) {
			db = await sqlite.retrieveConnection(DATABASE_NAME, false);
		} else if (isWeb) {
			db = await sqlite.createConnection(DATABASE_NAME, false, "no-encryption", 1, false);
		} else {
			const mode = await prepareEncryptedDatabase(sqlite, DATABASE_NAME, options.secrets ?? new KeychainSecretStore());
			db = await sqlite.createConnection(DATABASE_NAME, true, mode, 1, false);
		}
		await db.open();
		await createOrUpgradeTable(db);
		const storage = new SqliteSessionQueueStorage(sqlite, db, isWeb);
		await storage.persist();
		return storage;
	}

	async put(entry: QueuedSession) {
		const row = toRow(entry);
		await this.db.run(
			UPSERT,
			COLUMN_NAMES.map((name) => row[name])
		);
		await this.persist();
	}

	async list() {
		const rows = ((await this.db.query(`SELECT * FROM ${TABLE} ORDER BY queued_at`)).values ?? []) as QueueRow[];
		return rows.map(fromRow);
	}

	async remove(sessionId: string) {
		await this.db.run(`DELETE FROM ${TABLE} WHERE session_id = ?`, [sessionId]);
		await this.persist();
	}

	/** sql.js lives in memory: write it to IndexedDB now, so a session is durable before any network call. */
	private async persist() {
		if (this.isWeb) await this.sqlite.saveToStore(DATABASE_NAME);
	}
}
