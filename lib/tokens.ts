import { createHash, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { ROLES, type AuthenticatedUser, type Role } from "./actor";
import { UnauthorizedError } from "./errors";

const ISSUER = "etude";
const AUDIENCE = "etude-api";

// jsonwebtoken turns a string secret into a KeyObject on every call (12 % of a read's CPU in
// bench/api); one per secret is enough.
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
	let key = keys.get(secret);
	if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret))));
	return key;
}

export function signAccessToken(user: AuthenticatedUser, secret: string, ttlSeconds: number): string {
	return jwt.sign({ role: user.role, name: user.name, ep: user.tokenEpoch }, keyOf(secret), {
		algorithm: "HS256",
		subject: user.id,
		issuer: ISSUER,
		audience: AUDIENCE,
		expiresIn: ttlSeconds
	});
}

/** Verifies signature, algorithm, issuer, audience and expiry; anything off is a 401. */
export function verifyAccessToken(token: string, secret: string): AuthenticatedUser {
	let claims: jwt.JwtPayload;
	try {
		const decoded = jwt.verify(token, keyOf(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
		if (typeof decoded === "string") throw new jwt.JsonWebTokenError("unexpected payload");
		claims = decoded;
	} catch (error) {
		if (error instanceof jwt.TokenExpiredError) {
			throw new UnauthorizedError("Your session has expired", "ERR_TOKEN_EXPIRED");
		}
		throw new UnauthorizedError("The access token is not valid", "ERR_INVALID_TOKEN");
	}
	const role = claims.role as Role;
	if (typeof claims.sub !== "string" || !ROLES.includes(role) || typeof claims.name !== "string" || !Number.isInteger(claims.ep)) {
		throw new UnauthorizedError("The access token is not valid", "ERR_INVALID_TOKEN");
	}
	return { id: claims.sub, role, name: claims.name, tokenEpoch: claims.ep as number };
}

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
	const token = randomBytes(32).toString("base64url");
	return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
	return createHash("sha256").update(token).digest("hex");
}
