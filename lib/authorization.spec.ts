import { describe, expect, it } from "vitest";
import { decideByRole } from "./authorization";

const student = { id: "s", role: "student" as const, name: "S", tokenEpoch: 0 };
const teacher = { id: "t", role: "teacher" as const, name: "T", tokenEpoch: 0 };

describe("decideByRole", () => {
	it("lets anyone through a public action", () => {
		expect(decideByRole(["public"], undefined)).toBe("allow");
	});

	it("asks for sign-in before anything else", () => {
		expect(decideByRole(["student"], undefined)).toBe("unauthenticated");
		expect(decideByRole(["$owner"], undefined)).toBe("unauthenticated");
	});

	it("allows a listed role and forbids the others", () => {
		expect(decideByRole(["student"], student)).toBe("allow");
		expect(decideByRole(["student"], teacher)).toBe("forbidden");
		expect(decideByRole(["authenticated"], teacher)).toBe("allow");
	});

	it("leaves relations to be checked against the entity", () => {
		expect(decideByRole(["$owner", "$linkedTeacher"], teacher)).toBe("check-relations");
	});
});
