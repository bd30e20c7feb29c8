import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The signature of every link we hand out (signed object URLs, playback and forum media links):
 * HMAC-SHA256, base64url, over the parts one per line, so that no two different part lists sign
 * alike and a link for one purpose (a GET, a viewer, a file) cannot be replayed for another.
 */
export function signParts(secret: string, parts: readonly (string | number)[]): string {
	return createHmac("sha256", secret).update(parts.join("\n")).digest("base64url");
}

/** Whether `given` is the signature of `parts`, compared in constant time. */
export function isSignatureOf(secret: string, parts: readonly (string | number)[], given: string): boolean {
	const expected = Buffer.from(signParts(secret, parts));
	const actual = Buffer.from(given);
	// timingSafeEqual needs equal lengths; a length mismatch reveals nothing an attacker does not already know.
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}
