import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error";
import { describeError, fieldProblems } from "./error-messages";

describe("error messages", () => {
	it("maps every contract error code to words a student understands", () => {
		for (const code of [
			"ERR_EMAIL_TAKEN",
			"ERR_VALIDATION",
			"ERR_INVALID_CREDENTIALS",
			"ERR_INVALID_REFRESH_TOKEN",
			"ERR_INVALID_TOKEN",
			"ERR_TOKEN_EXPIRED",
			"ERR_INVITE_INVALID"
		]) {
			const message = describeError(new ApiError(code, "server text", 400));
			expect(message).not.toContain("ERR_");
			expect(message).not.toBe("Something went wrong. Please try again.");
		}
	});

	it("falls back to a general sentence for codes it does not know, never the raw code", () => {
		expect(describeError(new ApiError("ERR_SOMETHING_NEW", "x", 400))).toBe("Something went wrong. Please try again.");
		expect(describeError(new ApiError("ERR_SOMETHING_NEW", "x", 503))).toContain("on our side");
		expect(describeError(new TypeError("boom"))).toBe("Something went wrong. Please try again.");
	});

	it("shows the server's own words for the community's refusals, which carry what only the server knows", () => {
		const message = "This needs 15 reputation (flag); you have 3";
		expect(describeError(new ApiError("ERR_PRIVILEGE_REQUIRED", message, 403))).toBe(message);
		expect(describeError(new ApiError("ERR_ITEM_NOT_FOUND", "Item not found", 404))).toContain("isn't there any more");
	});

	it("keys field problems by field name", () => {
		const error = new ApiError("ERR_VALIDATION", "bad", 422, [{ field: "a4Hz", message: "Must be 415–466" }]);
		expect(fieldProblems(error)).toEqual({ a4Hz: "Must be 415–466" });
		expect(fieldProblems(new Error("x"))).toEqual({});
	});
});
