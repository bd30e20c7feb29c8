import type { FieldProblem } from "../models/api-error";

/** Codes the client raises itself, beside the server's. */
export const CLIENT_ERROR_CODES = {
	network: "ERR_NETWORK",
	unexpectedResponse: "ERR_UNEXPECTED_RESPONSE",
	signedOut: "ERR_SIGNED_OUT",
	offlineStoreUnavailable: "ERR_OFFLINE_STORE_UNAVAILABLE",
	uploadsUnavailable: "ERR_UPLOADS_UNAVAILABLE"
} as const;

export class ApiError extends Error {
	readonly code: string;
	/** HTTP status; 0 when the request never reached the server. */
	readonly status: number;
	readonly fields: FieldProblem[];

	constructor(code: string, message: string, status: number, fields: FieldProblem[] = []) {
		super(message);
		this.name = "ApiError";
		this.code = code;
		this.status = status;
		this.fields = fields;
	}

	/** True when retrying later can succeed: no connection, or the server failed rather than refused. */
	get isTransient(): boolean {
		return this.status === 0 || this.status >= 500 || this.status === 429;
	}
}
