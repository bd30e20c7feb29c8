export type Role = "student" | "teacher" | "admin";
export const ROLES: readonly Role[] = ["student", "teacher", "admin"];

/** The authenticated caller, put in `ctx.meta.user` by the gateway from a verified JWT. */
export interface AuthenticatedUser {
	id: string;
	role: Role;
	name: string;
}

export interface EtudeMeta {
	user?: AuthenticatedUser;
	$statusCode?: number;
	$location?: string;
	$responseType?: string;
	$responseHeaders?: Record<string, string>;
}
