import { isSignatureOf, signParts } from "../signatures";
import { InvalidUrlExpiryError, ObjectUrlExpiredError, ObjectUrlSignatureInvalidError } from "./errors";

export type SignedUrlMethod = "GET" | "PUT";

export interface SignedObjectRequest {
	method: SignedUrlMethod;
	key: string;
	expiresAtEpochSeconds: number;
}

/** Signed over method, key and expiry, so a GET URL cannot be replayed as a PUT. */
function signedParts(request: SignedObjectRequest): (string | number)[] {
	return [request.method, request.key, request.expiresAtEpochSeconds];
}

export function signObjectUrl(request: SignedObjectRequest, secret: string): string {
	return signParts(secret, signedParts(request));
}

/** Throws ObjectUrlSignatureInvalidError or ObjectUrlExpiredError; returns normally only for a valid, unexpired URL. */
export function verifyObjectUrlSignature(
	request: SignedObjectRequest & { signature: string },
	secret: string,
	nowMs: number = Date.now()
): void {
	if (!Number.isSafeInteger(request.expiresAtEpochSeconds)) throw new ObjectUrlSignatureInvalidError(request.key);
	if (!isSignatureOf(secret, signedParts(request), request.signature)) {
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
