import { Capacitor } from "@capacitor/core";
import { CapacitorSQLite, SQLiteConnection, type SQLiteDBConnection } from "@capacitor-community/sqlite";
import type { QueuedSession, SyncState } from "../models/sync";
import type { SessionQueueStorage } from "./session-queue";

const DATABASE_NAME = "etude_offline";

interface QueueRow {
	session_id: string;
	payload: string;
	state: SyncState;
	attempts: number;
	last_error_code: string | null;
	queued_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS session_queue (
	session_id TEXT PRIMARY KEY NOT NULL,
	payload TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error_code TEXT,
	queued_at TEXT NOT NULL
);`;

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

export class SqliteSessionQueueStorage implements SessionQueueStorage {
	private constructor(
		private readonly sqlite: SQLiteConnection,
		private readonly db: SQLiteDBConnection,
		private readonly isWeb: boolean
	) {}

	static async open(): Promise<SqliteSessionQueueStorage> {
		const sqlite = new SQLiteConnection(CapacitorSQLite);
		const isWeb = Capacitor.getPlatform() === "web";
		if (isWeb) await prepareWebStore(sqlite);
		await sqlite.checkConnectionsConsistency();
		const existing = (await sqlite.isConnection(DATABASE_NAME, false)).result;
		const db = existing
			? await sqlite.retrieveConnection(DATABASE_NAME, false)
			: await sqlite.createConnection(DATABASE_NAME, false, "no-encryption", 1, false);
		await db.open();
		await db.execute(SCHEMA);
		const storage = new SqliteSessionQueueStorage(sqlite, db, isWeb);
		await storage.persist();
		return storage;
	}

	async put(entry: QueuedSession) {
		await this.db.run(
			`INSERT INTO session_queue (session_id, payload, state, attempts, last_error_code, queued_at)
			 VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT(session_id) DO UPDATE SET
			   payload = excluded.payload, state = excluded.state, attempts = excluded.attempts,
			   last_error_code = excluded.last_error_code`,
			[
				entry.session.id,
				JSON.stringify(entry.session),
				entry.state,
				entry.attempts,
				entry.lastErrorCode,
				entry.queuedAt
			]
		);
		await this.persist();
	}

	async list() {
		const rows = ((await this.db.query("SELECT * FROM session_queue ORDER BY queued_at")).values ?? []) as QueueRow[];
		return rows.map((row) => ({
			session: JSON.parse(row.payload) as QueuedSession["session"],
			state: row.state,
			attempts: row.attempts,
			lastErrorCode: row.last_error_code,
			queuedAt: row.queued_at
		}));
	}

	async remove(sessionId: string) {
		await this.db.run("DELETE FROM session_queue WHERE session_id = ?", [sessionId]);
		await this.persist();
	}

	/** sql.js lives in memory: write it to IndexedDB now, so a session is durable before any network call. */
	private async persist() {
		if (this.isWeb) await this.sqlite.saveToStore(DATABASE_NAME);
	}
}
