import type { Role } from "../contracts/auth";

export type { Role };
export const ROLES: readonly Role[] = ["student", "teacher", "admin"];

/** The authenticated caller, put in `ctx.meta.user` by the gateway from a verified JWT. */
export interface AuthenticatedUser {
	id: string;
	role: Role;
	name: string;
	/** The user's token epoch when the token was issued; the gateway refuses tokens of an older one. */
	tokenEpoch: number;
}

export interface EtudeMeta {
	user?: AuthenticatedUser;
	$statusCode?: number;
	$location?: string;
	$responseType?: string;
	$responseHeaders?: Record<string, string>;
	/** The request's Range header, for an action serving a file a player reads in parts (lib/http-range.ts). */
	range?: string;
}
