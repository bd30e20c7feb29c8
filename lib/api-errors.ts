export interface ApiErrorBody {
	code: string;
	message: string;
	fields?: Array<{ field: string; message: string }>;
	/** Machine-readable facts about the refusal, e.g. `{ state: "pending" }` or a quota's bytes. */
	details?: Record<string, unknown>;
}

export interface ApiErrorResponse {
	status: number;
	body: ApiErrorBody;
	/** When the client should try again (the `Retry-After` header), for 429 and 503. */
	retryAfterSeconds?: number;
}

// How long a client waits before trying again when nothing more precise is known.
export const RETRY_AFTER_SECONDS: Record<number, number> = { 429: 60, 503: 2 };

interface ErrorLike {
	name?: string;
	message?: string;
	code?: unknown;
	status?: unknown;
	type?: unknown;
	data?: unknown;
}

// Errors raised by Moleculer, moleculer-web and body-parser, in the words and codes of our API.
const KNOWN: Record<string, { status: number; code: string; message?: string }> = {
	"entity.parse.failed": { status: 400, code: "ERR_MALFORMED_JSON", message: "The request body is not valid JSON" },
	"entity.too.large": { status: 413, code: "ERR_BODY_TOO_LARGE", message: "The request body is too large" },
	"encoding.unsupported": { status: 415, code: "ERR_UNSUPPORTED_ENCODING", message: "The request body encoding is not supported" },
	"charset.unsupported": { status: 415, code: "ERR_UNSUPPORTED_ENCODING", message: "The request body charset is not supported" },
	"request.size.invalid": { status: 400, code: "ERR_BAD_REQUEST", message: "The request body length does not match its header" },
	"request.aborted": { status: 400, code: "ERR_BAD_REQUEST", message: "The request was aborted" },
	INVALID_REQUEST_BODY: { status: 400, code: "ERR_MALFORMED_JSON", message: "The request body is not valid JSON" },
	NOT_FOUND: { status: 404, code: "ERR_ROUTE_NOT_FOUND", message: "There is nothing at this address" },
	SERVICE_NOT_FOUND: { status: 404, code: "ERR_ROUTE_NOT_FOUND", message: "There is nothing at this address" },
	SERVICE_UNAVAILABLE: { status: 503, code: "ERR_SERVICE_UNAVAILABLE", message: "This part of Etude is briefly unavailable; try again" },
	SERVICE_NOT_AVAILABLE: { status: 503, code: "ERR_SERVICE_UNAVAILABLE", message: "This part of Etude is briefly unavailable; try again" },
	REQUEST_TIMEOUT: { status: 504, code: "ERR_TIMEOUT", message: "The request took too long; try again" },
	RATE_LIMIT_EXCEEDED: { status: 429, code: "ERR_RATE_LIMITED", message: "Too many requests; slow down a little" },
	NO_RIGHTS: { status: 403, code: "ERR_FORBIDDEN", message: "You do not have access to this" },
	NO_TOKEN: { status: 401, code: "ERR_UNAUTHORIZED", message: "Sign in to continue" },
	INVALID_TOKEN: { status: 401, code: "ERR_INVALID_TOKEN", message: "The access token is not valid" }
};

/** Every error leaves the API as `{ code, message, fields? }`; internals never leak. */
export function toApiError(error: ErrorLike): ApiErrorResponse {
	const response = mapError(error);
	const retryAfter = response.body.details?.retryAfterSeconds;
	if (typeof retryAfter === "number") response.retryAfterSeconds = retryAfter;
	else if (RETRY_AFTER_SECONDS[response.status]) response.retryAfterSeconds = RETRY_AFTER_SECONDS[response.status];
	return response;
}

function mapError(error: ErrorLike): ApiErrorResponse {
	const type = typeof error.type === "string" ? error.type : undefined;

	if (type === "VALIDATION_ERROR" && Array.isArray(error.data)) {
		const fields = (error.data as Array<{ type?: string; field?: string; message?: string; actual?: unknown }>).flatMap((problem) =>
			// A strict object lists every unexpected key in one problem; name each one.
			problem.type === "objectStrict" && typeof problem.actual === "string"
				? problem.actual.split(",").map((key) => ({
						field: [problem.field, key.trim()].filter(Boolean).join("."),
						message: "This field is not allowed."
					}))
				: [{ field: problem.field ?? "", message: problem.message ?? "is not valid" }]
		);
		return { status: 422, body: { code: "ERR_VALIDATION", message: "Some fields are missing or not valid", fields } };
	}

	const known = type ? KNOWN[type] : undefined;
	if (known) return { status: known.status, body: { code: known.code, message: known.message ?? error.message ?? "" } };

	const status = [error.code, error.status].find((value): value is number => typeof value === "number" && value >= 400 && value < 600);
	// Ours are 4xx, or 503 when a node is at its limit and the client should come back.
	if (status !== undefined && (status < 500 || status === 503) && type?.startsWith("ERR_")) {
		const body: ApiErrorBody = { code: type, message: error.message ?? "" };
		// Our own client errors put only what a client may see in `data`.
		const { fields, ...details } = (error.data ?? {}) as { fields?: ApiErrorBody["fields"] } & Record<string, unknown>;
		if (fields) body.fields = fields;
		if (Object.keys(details).length > 0) body.details = details;
		return { status, body };
	}
	if (status !== undefined && status < 500) {
		return { status, body: { code: "ERR_BAD_REQUEST", message: error.message ?? "The request could not be handled" } };
	}
	return { status: 500, body: { code: "ERR_INTERNAL", message: "Something went wrong on our side; it has been logged" } };
}
