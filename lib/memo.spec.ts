import { describe, expect, it } from "vitest";
import { memoizeStrings } from "./memo";

describe("a calculation remembered for its arguments", () => {
	it("computes once per distinct arguments, and again after it forgot them when full", () => {
		const calls: string[] = [];
		const joined = memoizeStrings((a: string, b: string) => {
			calls.push(`${a}|${b}`);
			return `${a}${b}`;
		}, 2);
		expect([joined("a", "b"), joined("a", "b"), joined("ab", ""), joined("a", "b")]).toEqual(["ab", "ab", "ab", "ab"]);
		// "a"+"b" and "ab"+"" are different arguments, though they join to the same text.
		expect(calls).toEqual(["a|b", "ab|"]);
		joined("c", "d");
		joined("a", "b");
		expect(calls).toEqual(["a|b", "ab|", "c|d", "a|b"]);
	});
});
