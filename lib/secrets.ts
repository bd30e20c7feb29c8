import { createHmac } from "node:crypto";

/**
 * A key for one purpose, derived from the cluster's JWT secret, so every node agrees without
 * another variable to keep in sync and no purpose can forge another's signatures.
 */
export function deriveSecret(jwtSecret: string, purpose: string): string {
	return createHmac("sha256", jwtSecret).update(`etude:${purpose}`).digest("base64url");
}
