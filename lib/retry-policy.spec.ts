import { Errors } from "moleculer";
import { describe, expect, it } from "vitest";
import { isIdempotent, isSafeToRetry, type RetriedAction } from "./retry-policy";

const actions: Record<string, RetriedAction> = {
	"auth.register": { rest: "POST /auth/register" },
	"sessions.create": { rest: "POST /sessions", idempotentCreate: true },
	"sessions.get": { rest: "GET /sessions/:id" },
	"auth.linkedStudentIds": { idempotent: true }
};
const lookup = (name: string) => actions[name];
const timeout = (action: string) => new Errors.RequestTimeoutError({ action, nodeID: "n1" });

describe("which failed calls are tried again", () => {
	it("never repeats a registration that timed out: it may already have created the account", () => {
		expect(isSafeToRetry(timeout("auth.register"), lookup)).toBe(false);
	});

	it("repeats reads, client-id creates and declared idempotent actions after a timeout", () => {
		for (const name of ["sessions.create", "sessions.get", "auth.linkedStudentIds"]) expect(isSafeToRetry(timeout(name), lookup), name).toBe(true);
	});

	it("repeats any call that never reached a handler", () => {
		expect(isSafeToRetry(new Errors.ServiceNotAvailableError({ action: "auth.register" }), lookup)).toBe(true);
		expect(isSafeToRetry(new Errors.RequestRejectedError({ action: "auth.register", nodeID: "n1" }), lookup)).toBe(true);
	});

	it("never repeats client errors or plain errors", () => {
		expect(isSafeToRetry(new Errors.MoleculerClientError("no", 422, "ERR_VALIDATION"), lookup)).toBe(false);
		expect(isSafeToRetry(new Error("boom"), lookup)).toBe(false);
	});

	it("reads a GET route as idempotent and a POST route as not", () => {
		expect(isIdempotent({ rest: "GET /x" })).toBe(true);
		expect(isIdempotent({ rest: ["GET /x", "POST /y"] })).toBe(false);
		expect(isIdempotent(undefined)).toBe(false);
	});
});
