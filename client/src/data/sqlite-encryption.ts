import type { SQLiteConnection } from "@capacitor-community/sqlite";
import { loadSecureStorage } from "./secure-storage";

/** Where this installation keeps the secret of its SQLite queue. */
export interface SecretStore {
	read(): Promise<string | null>;
	write(secret: string): Promise<void>;
}

/** The plugin calls that encryption needs. */
type EncryptionCapableSqlite = Pick<
	SQLiteConnection,
	"isInConfigEncryption" | "isSecretStored" | "setEncryptionSecret" | "isDatabase" | "isDatabaseEncrypted"
>;

/** How a database is opened on a device: encrypted in place once if an earlier version wrote it in the clear. */
type EncryptedOpenMode = "secret" | "encryption";

const SECRET_KEY = "etude.offlineQueueSecret";
const SECRET_BYTES = 32;

function newSecret(): string {
	return [...crypto.getRandomValues(new Uint8Array(SECRET_BYTES))]
		.map((byte) => byte.toString(16).padStart(2, "0"))
		.join("");
}

/**
 * The Keychain (iOS) or Keystore-backed storage (Android) the tokens live in. Never synchronised to iCloud
 * Keychain; on iOS it moves to a new phone only inside an encrypted backup, as the plugin's own copy does, so a
 * restored database still has its key.
 */
export class KeychainSecretStore implements SecretStore {
	async read() {
		const { SecureStorage } = await loadSecureStorage();
		const value = await SecureStorage.get(SECRET_KEY, false, false);
		return typeof value === "string" ? value : null;
	}
	async write(secret: string) {
		const { SecureStorage, KeychainAccess } = await loadSecureStorage();
		await SecureStorage.set(SECRET_KEY, secret, false, false, KeychainAccess.whenUnlocked);
	}
}

/**
 * Makes sure the plugin holds this installation's secret before `database` is opened, and says how to open it.
 * The secret is generated once per installation and kept in the secure store; the plugin keeps its own copy
 * (SQLCipher's passphrase) and is given ours whenever it has none, so a database stays readable if the
 * plugin's copy is cleared. When the plugin has a secret but ours is gone, the plugin's is left alone: a new
 * one could not open the database it already encrypted.
 */
export async function prepareEncryptedDatabase(
	sqlite: EncryptionCapableSqlite,
	database: string,
	secrets: SecretStore
): Promise<EncryptedOpenMode> {
	if (!(await sqlite.isInConfigEncryption()).result) {
		throw new Error("SQLite encryption is off: set iosIsEncryption and androidIsEncryption in capacitor.config.ts");
	}
	if (!(await sqlite.isSecretStored()).result) {
		let secret = await secrets.read();
		if (!secret) {
			secret = newSecret();
			// Kept before the plugin gets it: a crash in between leaves a secret to hand over at the next start.
			await secrets.write(secret);
		}
		await sqlite.setEncryptionSecret(secret);
	}
	const exists = (await sqlite.isDatabase(database)).result;
	return exists && !(await sqlite.isDatabaseEncrypted(database)).result ? "encryption" : "secret";
}
