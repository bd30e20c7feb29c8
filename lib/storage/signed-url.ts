import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidUrlExpiryError, ObjectUrlExpiredError, ObjectUrlSignatureInvalidError } from "./errors";

export type SignedUrlMethod = "GET" | "PUT";

export interface SignedObjectRequest {
	method: SignedUrlMethod;
	key: string;
	expiresAtEpochSeconds: number;
}

/** HMAC-SHA256 (base64url) over method, key and expiry, so a GET URL cannot be replayed as a PUT. */
export function signObjectUrl(request: SignedObjectRequest, secret: string): string {
	return createHmac("sha256", secret)
		.update(`${request.method}\n${request.key}\n${request.expiresAtEpochSeconds}`)
		.digest("base64url");
}

/** Throws ObjectUrlSignatureInvalidError or ObjectUrlExpiredError; returns normally only for a valid, unexpired URL. */
export function verifyObjectUrlSignature(
	request: SignedObjectRequest & { signature: string },
	secret: string,
	nowMs: number = Date.now()
): void {
	if (!Number.isSafeInteger(request.expiresAtEpochSeconds)) throw new ObjectUrlSignatureInvalidError(request.key);
	const expected = Buffer.from(signObjectUrl(request, secret));
	const given = Buffer.from(request.signature);
	// timingSafeEqual needs equal lengths; a length mismatch reveals nothing an attacker does not already know.
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
		throw new ObjectUrlSignatureInvalidError(request.key);
	}
	if (nowMs >= request.expiresAtEpochSeconds * 1000) throw new ObjectUrlExpiredError(request.key);
}

export function buildSignedObjectUrl(publicBaseUrl: string, request: SignedObjectRequest, secret: string): string {
	const encodedKey = request.key.split("/").map(encodeURIComponent).join("/");
	const url = new URL(`${publicBaseUrl.replace(/\/+$/, "")}/${encodedKey}`);
	url.searchParams.set("expires", String(request.expiresAtEpochSeconds));
	url.searchParams.set("signature", signObjectUrl(request, secret));
	return url.toString();
}

/** S3 SigV4 caps presigned URLs at 7 days; local disk URLs follow the same rule so both backends behave alike. */
export const MAX_URL_EXPIRY_SECONDS = 7 * 24 * 60 * 60;

export function assertValidUrlExpiry(expirySeconds: number): void {
	if (!Number.isInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > MAX_URL_EXPIRY_SECONDS) {
		throw new InvalidUrlExpiryError(expirySeconds, MAX_URL_EXPIRY_SECONDS);
	}
}
