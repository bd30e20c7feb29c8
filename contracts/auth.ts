/**
 * Accounts as the auth API answers them (services/auth.service.ts). Wire shapes only: times are
 * ISO 8601 strings.
 */

/** Who someone is: "admin" accounts are made by an operator, never by signing up. */
export type Role = "student" | "teacher" | "admin";

/** The caller's own account (GET /api/me, and inside AuthResult). */
export interface User {
	id: string;
	email: string;
	name: string;
	role: Role;
	timezone: string;
	/** Reference pitch of A4, in Hz */
	a4Hz: number;
	createdAt: string;
}

/** What signing up, signing in and refreshing answer. */
export interface AuthResult {
	token: string;
	refreshToken: string;
	user: User;
	/** Set when signing in cancelled this account's pending deletion. */
	deletionCancelled?: true;
}

/** A linked teacher or student. */
export interface LinkedPerson {
	id: string;
	name: string;
}

/** A teacher's invite code for a student to link with them. */
export interface Invite {
	code: string;
	expiresAt: string;
}
