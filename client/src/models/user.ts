export type Role = "student" | "teacher";

export interface User {
	id: string;
	email: string;
	name: string;
	role: Role;
	timezone: string;
	a4Hz: number;
	createdAt: string;
}

export interface AuthResult {
	token: string;
	refreshToken: string;
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

export interface LinkedPerson {
	id: string;
	name: string;
}

export interface Invite {
	code: string;
	expiresAt: string;
}

/** The A4 reference range the API accepts, in Hz. */
export const A4_MIN_HZ = 415;
export const A4_MAX_HZ = 466;
export const PASSWORD_MIN_LENGTH = 8;
