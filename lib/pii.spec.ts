import { describe, expect, it } from "vitest";
import { formatPiiKeys, newPiiKey, normalizeEmail, parsePiiKeys, PiiCipher, PiiDecryptionError } from "./pii";

const older = newPiiKey("2025");
const newer = newPiiKey("2026");
const rowId = "6f1c1d0e-8a1b-4c1e-9a6d-0b8b1e2f3a4b";

describe("personal-data encryption", () => {
	it("round-trips a value and never shows it in the stored form", () => {
		const cipher = new PiiCipher([older]);
		const token = cipher.encrypt("users.email", rowId, "ada@example.org");
		expect(token).not.toContain("ada");
		expect(token.startsWith("v1.2025.")).toBe(true);
		expect(cipher.decrypt("users.email", rowId, token)).toBe("ada@example.org");
		// A fresh IV every time: equal values do not look equal.
		expect(cipher.encrypt("users.email", rowId, "ada@example.org")).not.toBe(token);
	});

	it("refuses a value moved to another row or field, or altered", () => {
		const cipher = new PiiCipher([older]);
		const token = cipher.encrypt("users.email", rowId, "ada@example.org");
		expect(() => cipher.decrypt("users.email", "00000000-0000-4000-8000-000000000000", token)).toThrow(PiiDecryptionError);
		expect(() => cipher.decrypt("users.phone", rowId, token)).toThrow(PiiDecryptionError);
		const altered = token.slice(0, -2) + (token.endsWith("A") ? "BB" : "AA");
		expect(() => cipher.decrypt("users.email", rowId, altered)).toThrow(PiiDecryptionError);
	});

	it("writes under the newest key and still reads and finds what older keys wrote", () => {
		const before = new PiiCipher([older]);
		const token = before.encrypt("users.email", rowId, "ada@example.org");
		const index = before.blindIndex("users.email", "ada@example.org");
		const rotated = new PiiCipher([newer, older]);
		expect(rotated.currentKeyId).toBe("2026");
		expect(rotated.decrypt("users.email", rowId, token)).toBe("ada@example.org");
		expect(rotated.blindIndexes("users.email", "ada@example.org")).toContain(index);
		expect(rotated.keyIdOf(rotated.encrypt("users.email", rowId, "ada@example.org"))).toBe("2026");
		expect(() => new PiiCipher([newer]).decrypt("users.email", rowId, token)).toThrow(/not configured/);
	});

	it("indexes equal values equally under one key, and differently under another key or field", () => {
		const cipher = new PiiCipher([older]);
		expect(cipher.blindIndex("users.email", "ada@example.org")).toBe(cipher.blindIndex("users.email", "ada@example.org"));
		expect(cipher.blindIndex("users.email", "ada@example.org")).not.toBe(new PiiCipher([newer]).blindIndex("users.email", "ada@example.org"));
		expect(cipher.blindIndex("users.email", "ada@example.org")).not.toBe(cipher.blindIndex("users.phone", "ada@example.org"));
		expect(normalizeEmail("  Ada@Example.ORG ")).toBe("ada@example.org");
	});

	it("reads PII_KEYS as id:base64key entries, newest first, naming what is wrong without the key", () => {
		const keys = parsePiiKeys(formatPiiKeys([newer, older]));
		expect(keys.map((key) => key.id)).toEqual(["2026", "2025"]);
		expect(keys[0]!.secret.equals(newer.secret)).toBe(true);
		expect(() => parsePiiKeys("replace-me")).toThrow(/id:base64key/);
		expect(() => parsePiiKeys("k1:c2hvcnQ=")).toThrow(/32 bytes/);
		expect(() => parsePiiKeys(`${formatPiiKeys([older])},${formatPiiKeys([older])}`)).toThrow(/twice/);
		expect(() => parsePiiKeys(" , ")).toThrow(/at least one/);
	});
});
