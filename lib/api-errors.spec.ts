import { Errors } from "moleculer";
import { describe, expect, it } from "vitest";
import { toApiError } from "./api-errors";
import { ConflictError, EtudeClientError, ValidationFailedError } from "./errors";

describe("toApiError", () => {
	it("keeps our own client errors with their status, code and fields", () => {
		expect(toApiError(new ConflictError("Taken", "ERR_EMAIL_TAKEN"))).toEqual({ status: 409, body: { code: "ERR_EMAIL_TAKEN", message: "Taken" } });
		const validation = toApiError(new ValidationFailedError("Bad", [{ field: "endedAt", message: "too early" }]));
		expect(validation).toEqual({ status: 422, body: { code: "ERR_VALIDATION", message: "Bad", fields: [{ field: "endedAt", message: "too early" }] } });
	});

	it("passes on the facts a client error carries", () => {
		const error = new EtudeClientError("Your storage is full", 413, "ERR_QUOTA_EXCEEDED", { usedBytes: 10, quotaBytes: 20 });
		expect(toApiError(error).body).toEqual({ code: "ERR_QUOTA_EXCEEDED", message: "Your storage is full", details: { usedBytes: 10, quotaBytes: 20 } });
	});

	it("turns parameter validation into one field per problem, naming each unexpected key", () => {
		const error = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
			{ type: "required", field: "focus", message: "The 'focus' field is required." },
			{ type: "objectStrict", field: "", actual: "isAdmin, extra", message: "forbidden keys" }
		]);
		expect(toApiError(error).body.fields).toEqual([
			{ field: "focus", message: "The 'focus' field is required." },
			{ field: "isAdmin", message: "This field is not allowed." },
			{ field: "extra", message: "This field is not allowed." }
		]);
	});

	it("translates body-parser and gateway errors into stable codes", () => {
		expect(toApiError({ status: 400, type: "entity.parse.failed", message: "Unexpected token" })).toMatchObject({ status: 400, body: { code: "ERR_MALFORMED_JSON" } });
		expect(toApiError({ status: 413, type: "entity.too.large" })).toMatchObject({ status: 413, body: { code: "ERR_BODY_TOO_LARGE" } });
		expect(toApiError({ code: 404, type: "NOT_FOUND" })).toMatchObject({ status: 404, body: { code: "ERR_ROUTE_NOT_FOUND" } });
		expect(toApiError(new Errors.RequestTimeoutError({ action: "x", nodeID: "n" }))).toMatchObject({ status: 504, body: { code: "ERR_TIMEOUT" } });
	});

	it("hides the details of unexpected failures", () => {
		const response = toApiError(new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2"));
		expect(response).toEqual({ status: 500, body: { code: "ERR_INTERNAL", message: "Something went wrong on our side; it has been logged" } });
	});
});
