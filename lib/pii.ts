import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

/**
 * Field-level encryption of personal data (an email, a phone number): AES-256-GCM under a named
 * key, bound to its row and field, plus a keyed blind index (HMAC-SHA256) so that a row can be
 * found and kept unique by the value without the database ever holding it in clear.
 *
 * Keys come as `id:base64key` entries, newest first (PII_KEYS, or generated into DATA_DIR in the
 * embedded default). New values are written under the newest key; older keys still decrypt and
 * still find rows, until `npm run pii:rotate` has rewritten every row under the newest one.
 */
export interface PiiKey {
	id: string;
	/** 32 random bytes; the encryption and index keys are derived from it (HKDF), never used raw. */
	secret: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const TOKEN_VERSION = "v1";
const IV_BYTES = 12;

/** Parses PII_KEYS; throws one message naming what is wrong (never the key material). */
export function parsePiiKeys(value: string): PiiKey[] {
	const entries = value
		.split(",")
		.map((entry) => entry.trim())
		.filter(Boolean);
	if (entries.length === 0) throw new Error("must name at least one key as id:base64key");
	const keys = entries.map((entry, index) => {
		const separator = entry.indexOf(":");
		const id = separator > 0 ? entry.slice(0, separator) : "";
		if (!KEY_ID.test(id)) throw new Error(`entry ${index + 1} must look like id:base64key, the id of letters, digits, - or _`);
		const secret = Buffer.from(entry.slice(separator + 1), "base64");
		if (secret.length !== 32) throw new Error(`key "${id}" must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
		return { id, secret };
	});
	const ids = keys.map((key) => key.id);
	const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
	if (repeated) throw new Error(`key id "${repeated}" appears twice`);
	return keys;
}

export function formatPiiKeys(keys: PiiKey[]): string {
	return keys.map((key) => `${key.id}:${key.secret.toString("base64")}`).join(",");
}

export function newPiiKey(id: string): PiiKey {
	return { id, secret: randomBytes(32) };
}

/** How an email is compared: the index and the uniqueness of accounts follow this form. */
export function normalizeEmail(email: string): string {
	return email.normalize("NFC").trim().toLowerCase();
}

export class PiiDecryptionError extends Error {
	constructor(reason: string) {
		super(`Personal data could not be decrypted: ${reason}`);
		this.name = "PiiDecryptionError";
	}
}

interface DerivedKey {
	id: string;
	encryption: Buffer;
	index: Buffer;
}

function derive(key: PiiKey): DerivedKey {
	const sub = (purpose: string) => Buffer.from(hkdfSync("sha256", key.secret, Buffer.alloc(0), `etude pii ${purpose}`, 32));
	return { id: key.id, encryption: sub("encryption"), index: sub("blind index") };
}

export class PiiCipher {
	private readonly keys: DerivedKey[];
	private readonly byId: Map<string, DerivedKey>;

	/** `keys` newest first. */
	constructor(keys: PiiKey[]) {
		if (keys.length === 0) throw new Error("PiiCipher needs at least one key");
		this.keys = keys.map(derive);
		this.byId = new Map(this.keys.map((key) => [key.id, key]));
	}

	get currentKeyId(): string {
		return this.keys[0]!.id;
	}

	/**
	 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url). The field and the row's id are authenticated
	 * with it, so a value copied to another row or column does not decrypt.
	 */
	encrypt(field: string, rowId: string, plaintext: string): string {
		const key = this.keys[0]!;
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv("aes-256-gcm", key.encryption, iv);
		cipher.setAAD(Buffer.from(`${field}\n${rowId}`));
		const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
		return [TOKEN_VERSION, key.id, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
	}

	decrypt(field: string, rowId: string, token: string): string {
		const [version, keyId, iv, tag, ciphertext] = token.split(".");
		if (version !== TOKEN_VERSION || ciphertext === undefined) throw new PiiDecryptionError("not an encrypted value");
		const key = this.byId.get(keyId!);
		if (!key) throw new PiiDecryptionError(`key "${keyId}" is not configured (PII_KEYS)`);
		try {
			const decipher = createDecipheriv("aes-256-gcm", key.encryption, Buffer.from(iv!, "base64url"));
			decipher.setAAD(Buffer.from(`${field}\n${rowId}`));
			decipher.setAuthTag(Buffer.from(tag!, "base64url"));
			return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
		} catch {
			throw new PiiDecryptionError("the value was altered, or belongs to another row");
		}
	}

	/** The key a value was encrypted under. */
	keyIdOf(token: string): string {
		return token.split(".")[1] ?? "";
	}

	/** The blind index of a (normalised) value under the newest key: `<keyId>.<hmac>`. */
	blindIndex(field: string, value: string): string {
		return this.indexUnder(this.keys[0]!, field, value);
	}

	/** The value's blind index under every key, newest first: what a lookup matches while a rotation is under way. */
	blindIndexes(field: string, value: string): string[] {
		return this.keys.map((key) => this.indexUnder(key, field, value));
	}

	private indexUnder(key: DerivedKey, field: string, value: string): string {
		return `${key.id}.${createHmac("sha256", key.index).update(`${field}\n${value}`).digest("base64url")}`;
	}
}
