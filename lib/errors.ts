import { Errors } from "moleculer";

/**
 * Every error a client can cause is one of these: a 4xx status and a stable `type`
 * (the `code` clients and tests match on). The message is for people and may change.
 */
export class EtudeClientError extends Errors.MoleculerClientError {
	constructor(message: string, status: number, code: string, data?: unknown) {
		super(message, status, code, data);
	}
}

export interface FieldProblem {
	field: string;
	message: string;
}

export class ValidationFailedError extends EtudeClientError {
	constructor(message: string, fields: FieldProblem[]) {
		super(message, 422, "ERR_VALIDATION", { fields });
	}
}

export class NotFoundError extends EtudeClientError {
	constructor(what: string, code = "ERR_NOT_FOUND") {
		super(`${what} not found`, 404, code);
	}
}

export class UnauthorizedError extends EtudeClientError {
	constructor(message = "Sign in to continue", code = "ERR_UNAUTHORIZED") {
		super(message, 401, code);
	}
}

export class ForbiddenError extends EtudeClientError {
	constructor(message = "You do not have access to this", code = "ERR_FORBIDDEN") {
		super(message, 403, code);
	}
}

export class ConflictError extends EtudeClientError {
	constructor(message: string, code: string) {
		super(message, 409, code);
	}
}

/** A request body that is JSON but no object: every action takes its fields from an object. */
export class BodyNotAnObjectError extends EtudeClientError {
	constructor() {
		// The code of every other body the gateway cannot use (a bare string, number or null among them).
		super("The request body must be a JSON object", 400, "ERR_MALFORMED_JSON");
	}
}
