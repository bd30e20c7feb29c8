import type { AuthResult as WireAuthResult, Role as WireRole, User as WireUser } from "../../../contracts/auth";

export type { Invite, LinkedPerson } from "../../../contracts/auth";

/**
 * The roles the app is for. The wire's Role also has "admin", an account an operator makes and that
 * is not expected to sign in here: the app's own types leave it out rather than handle it.
 */
export type Role = Exclude<WireRole, "admin">;

/** contracts/auth.ts User, as the app sees it (a student's or a teacher's). */
export interface User extends Omit<WireUser, "role"> {
	role: Role;
}

export interface AuthResult extends Omit<WireAuthResult, "user"> {
	user: User;
}

export interface RegisterInput {
	email: string;
	password: string;
	role: Role;
	name: string;
	timezone: string;
}

export interface LoginInput {
	email: string;
	password: string;
}

export interface ProfileChanges {
	name?: string;
	timezone?: string;
	a4Hz?: number;
}

/** The A4 reference range the API accepts, in Hz. */
export const A4_MIN_HZ = 415;
export const A4_MAX_HZ = 466;
export const PASSWORD_MIN_LENGTH = 8;
