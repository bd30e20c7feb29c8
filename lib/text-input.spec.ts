import { describe, expect, it } from "vitest";
import { fieldsWithNulCharacters } from "./text-input";

describe("fieldsWithNulCharacters", () => {
	it("names every field whose text holds a NUL character, however deep", () => {
		const fields = fieldsWithNulCharacters({ title: "ok", note: "a\u0000b", drawing: { shapes: [{ kind: "arrow" }, { kind: "\u0000" }] }, tags: ["x", "y\u0000"] });
		expect(fields.map((problem) => problem.field)).toEqual(["note", "drawing.shapes[1].kind", "tags[1]"]);
	});

	it("names a field name that holds one", () => {
		expect(fieldsWithNulCharacters({ "bad\u0000key": 1 }).map((problem) => problem.field)).toEqual(["bad\u0000key"]);
	});

	it("finds nothing in text without one, numbers, booleans and null", () => {
		expect(fieldsWithNulCharacters({ a: "plain text, even \\0 written out", b: 1, c: true, d: null, e: [] })).toEqual([]);
	});
});
