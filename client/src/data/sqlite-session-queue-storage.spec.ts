// @vitest-environment node
import { resolve } from "node:path";
import type { CapacitorSQLitePlugin } from "@capacitor-community/sqlite";
import initSqlJs, { type Database, type SqlValue } from "sql.js";
import { beforeAll, describe, expect, it, vi } from "vitest";
import capacitorConfig from "../../capacitor.config";
import type { NewPracticeSession } from "../models/session";
import { SessionQueue } from "./session-queue";
import { KeychainSecretStore, type SecretStore } from "./sqlite-encryption";
import { SqliteSessionQueueStorage } from "./sqlite-session-queue-storage";
import { practiceSession, queuedWithoutOwner } from "../../test/practice-fixtures";

/** The Keychain/Keystore plugin's boundary: one item store, remembering how each item was written. */
const secureItems = vi.hoisted(() => new Map<string, { value: unknown; sync?: boolean; access?: number }>());
vi.mock("@aparajita/capacitor-secure-storage", () => ({
	KeychainAccess: { whenUnlocked: 0, whenUnlockedThisDeviceOnly: 1 },
	SecureStorage: {
		get: async (key: string) => secureItems.get(key)?.value ?? null,
		set: async (key: string, value: unknown, _convertDate?: boolean, sync?: boolean, access?: number) => {
			secureItems.set(key, { value, sync, access });
		}
	}
}));

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
beforeAll(async () => {
	SQL = await initSqlJs({ locateFile: (file) => resolve(import.meta.dirname, "../../node_modules/sql.js/dist", file) });
});

class MemorySecretStore implements SecretStore {
	constructor(public secret: string | null = null) {}
	async read() {
		return this.secret;
	}
	async write(secret: string) {
		this.secret = secret;
	}
}

/**
 * A phone as the plugin's native side sees it: one database file (a real SQLite engine, sql.js), whether and
 * with which passphrase SQLCipher encrypted it, and the passphrase the plugin keeps in its own secure store.
 * Opening follows SQLCipher: an encrypted file opens only with its passphrase, never in the clear.
 */
class FakeDevice {
	file: Database | null = null;
	fileKey: string | null = null;
	pluginSecret: string | null = null;
	encryptionInConfig = true;
	readonly connections: Array<{ encrypted: boolean; mode: string }> = [];
	readonly secretsGiven: string[] = [];

	/** The file an earlier version of the app wrote: unencrypted, without owners. */
	writtenByFirstVersion(session: NewPracticeSession) {
		this.file = new SQL.Database();
		this.file.exec(`CREATE TABLE session_queue (session_id TEXT PRIMARY KEY NOT NULL, payload TEXT NOT NULL,
			state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error_code TEXT, queued_at TEXT NOT NULL);`);
		this.file.run("INSERT INTO session_queue VALUES (?, ?, 'waiting', 0, NULL, ?)", [
			session.id,
			JSON.stringify(session),
			"2026-11-20T08:00:00.000Z"
		]);
	}

	/** A fresh start of the app: the plugin's JavaScript side has no connections yet. */
	plugin(): CapacitorSQLitePlugin {
		const db = () => {
			if (!this.file) throw new Error("no open database");
			return this.file;
		};
		const bridge = {
			isInConfigEncryption: async () => {
				return { result: this.encryptionInConfig };
			},
			isSecretStored: async () => {
				return { result: this.pluginSecret !== null };
			},
			setEncryptionSecret: async ({ passphrase }: { passphrase: string }) => {
				this.secretsGiven.push(passphrase);
				this.pluginSecret = passphrase;
			},
			isDatabase: async () => {
				return { result: this.file !== null };
			},
			isDatabaseEncrypted: async () => {
				return { result: this.fileKey !== null };
			},
			checkConnectionsConsistency: async () => {
				return { result: true };
			},
			createConnection: async ({ encrypted, mode }: { encrypted: boolean; mode: string }) => {
				this.connections.push({ encrypted, mode });
				if (!encrypted) {
					if (this.fileKey) throw new Error("file is not a database");
				} else if (mode === "encryption") {
					if (!this.file || this.fileKey) throw new Error("nothing to encrypt");
					this.fileKey = this.pluginSecret;
				} else if (mode === "secret") {
					if (this.file && this.fileKey !== this.pluginSecret) throw new Error("file is not a database");
					this.fileKey ??= this.pluginSecret;
				}
				this.file ??= new SQL.Database();
			},
			open: async () => {},
			execute: async ({ statements }: { statements: string }) => {
				db().exec(statements);
				return { changes: { changes: db().getRowsModified() } };
			},
			query: async ({ statement, values }: { statement: string; values: SqlValue[] }) => {
				const prepared = db().prepare(statement);
				if (values.length > 0) prepared.bind(values);
				const rows: Array<Record<string, SqlValue>> = [];
				while (prepared.step()) rows.push(prepared.getAsObject());
				prepared.free();
				return { values: rows };
			},
			run: async ({ statement, values }: { statement: string; values: SqlValue[] }) => {
				db().run(statement, values);
				return { changes: { changes: db().getRowsModified(), lastId: 0 } };
			}
		};
		return bridge as unknown as CapacitorSQLitePlugin;
	}

	open(secrets: SecretStore) {
		return SqliteSessionQueueStorage.open({ plugin: this.plugin(), platform: "ios", secrets });
	}
}

const ADA = "0b1c2d3e-0000-4000-8000-00000000000a";

describe("the offline queue's database on a device", () => {
	it("is created encrypted, with a secret generated for this installation and kept in the secure store", async () => {
		const device = new FakeDevice();
		const secrets = new MemorySecretStore();
		const queue = new SessionQueue(await device.open(secrets));
		const session = practiceSession(0);
		await queue.enqueue(ADA, session);

		expect(secrets.secret).toMatch(/^[0-9a-f]{64}$/);
		expect(device.secretsGiven).toEqual([secrets.secret]);
		expect(device.connections).toEqual([{ encrypted: true, mode: "secret" }]);
		expect(device.fileKey).toBe(secrets.secret);
		expect(await queue.entries()).toMatchObject([{ session, ownerId: ADA, state: "waiting" }]);
	});

	it("opens with the same secret at the next start and never hands the plugin a new one", async () => {
		const device = new FakeDevice();
		const secrets = new MemorySecretStore();
		const session = practiceSession(0);
		await new SessionQueue(await device.open(secrets)).enqueue(ADA, session);
		const secret = secrets.secret;

		const nextStart = new SessionQueue(await device.open(secrets));

		expect(secrets.secret).toBe(secret);
		expect(device.secretsGiven).toEqual([secret]);
		expect((await nextStart.entries()).map((entry) => entry.session.id)).toEqual([session.id]);
	});

	it("keeps each entry's owner and the server's reason for a refusal across starts", async () => {
		const device = new FakeDevice();
		const secrets = new MemorySecretStore();
		const queue = new SessionQueue(await device.open(secrets));
		const entry = await queue.enqueue(ADA, practiceSession(0));
		await queue.update(entry, { state: "failed", lastErrorCode: "ERR_ID_CONFLICT", lastErrorMessage: "Taken" });

		expect(await new SessionQueue(await device.open(secrets)).entries()).toEqual([
			{ ...entry, state: "failed", lastErrorCode: "ERR_ID_CONFLICT", lastErrorMessage: "Taken" }
		]);
	});

	it("encrypts a queue an earlier version wrote in the clear, keeping its entries, which come back without an owner", async () => {
		const device = new FakeDevice();
		const session = practiceSession(0);
		device.writtenByFirstVersion(session);

		const queue = new SessionQueue(await device.open(new MemorySecretStore()));

		expect(device.connections).toEqual([{ encrypted: true, mode: "encryption" }]);
		expect(device.fileKey).not.toBeNull();
		expect(await queue.entries()).toEqual([queuedWithoutOwner(session, "2026-11-20T08:00:00.000Z")]);
		await queue.claim(session.id, ADA);
		const [claimed] = await new SessionQueue(await device.open(new MemorySecretStore())).entries();
		expect(claimed).toMatchObject({ ownerId: ADA, queuedAt: "2026-11-20T08:00:00.000Z" });
	});

	it("gives the plugin this installation's secret again if its own copy was cleared, so the queue still opens", async () => {
		const device = new FakeDevice();
		const secrets = new MemorySecretStore();
		const session = practiceSession(0);
		await new SessionQueue(await device.open(secrets)).enqueue(ADA, session);
		device.pluginSecret = null;

		const reopened = new SessionQueue(await device.open(secrets));

		expect(device.secretsGiven).toEqual([secrets.secret, secrets.secret]);
		expect((await reopened.entries()).map((entry) => entry.session.id)).toEqual([session.id]);
	});

	it("leaves the plugin's secret alone when the app's copy is gone, rather than make one that cannot open the file", async () => {
		const device = new FakeDevice();
		await device.open(new MemorySecretStore());
		const lostCopy = new MemorySecretStore();

		await device.open(lostCopy);

		expect(lostCopy.secret).toBeNull();
		expect(device.secretsGiven).toHaveLength(1);
	});

	it("refuses to keep the queue in the clear when the build has encryption switched off", async () => {
		const device = new FakeDevice();
		device.encryptionInConfig = false;
		await expect(device.open(new MemorySecretStore())).rejects.toThrow(/encryption is off/);
		expect(device.connections).toEqual([]);
	});

	it("is configured for SQLCipher on iOS and Android", () => {
		expect(capacitorConfig.plugins?.CapacitorSQLite).toMatchObject({
			iosIsEncryption: true,
			androidIsEncryption: true
		});
	});
});

describe("the secret in the Keychain/Keystore", () => {
	it("is generated at the first start, kept out of iCloud Keychain, and reused", async () => {
		secureItems.clear();
		const device = new FakeDevice();
		await device.open(new KeychainSecretStore());

		const [item, ...others] = [...secureItems.values()];
		expect(others).toEqual([]);
		expect(item).toMatchObject({ sync: false, access: 0 });
		expect(item?.value).toMatch(/^[0-9a-f]{64}$/);
		expect(device.secretsGiven).toEqual([item?.value]);

		device.pluginSecret = null;
		await device.open(new KeychainSecretStore());
		expect(device.secretsGiven).toEqual([item?.value, item?.value]);
	});
});
