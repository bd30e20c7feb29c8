import { describe, expect, it } from "vitest";
import { eventIdOf } from "./domain-events";

describe("eventIdOf", () => {
	it("gives one name one version-5 UUID, and another name another", () => {
		const accepted = eventIdOf("community.accepted:post-1:answer-1");
		expect(accepted).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(eventIdOf("community.accepted:post-1:answer-1")).toBe(accepted);
		expect(eventIdOf("community.accepted:post-1:answer-2")).not.toBe(accepted);
	});
});
