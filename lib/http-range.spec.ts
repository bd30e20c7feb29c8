import { describe, expect, it } from "vitest";
import { requestedByteRange } from "./http-range";

describe("a request's byte range", () => {
	it("is the one range asked for, cut to the object", () => {
		expect(requestedByteRange("bytes=0-", 1000)).toEqual({ start: 0, end: 999 });
		expect(requestedByteRange("bytes=0-1", 1000)).toEqual({ start: 0, end: 1 });
		expect(requestedByteRange("bytes=500-5000", 1000)).toEqual({ start: 500, end: 999 });
		expect(requestedByteRange("bytes=-100", 1000)).toEqual({ start: 900, end: 999 });
		expect(requestedByteRange("bytes=-5000", 1000)).toEqual({ start: 0, end: 999 });
	});

	it("is unsatisfiable when it starts beyond the object", () => {
		expect(requestedByteRange("bytes=1000-", 1000)).toBe("unsatisfiable");
		expect(requestedByteRange("bytes=-0", 1000)).toBe("unsatisfiable");
		expect(requestedByteRange("bytes=0-", 0)).toBe("unsatisfiable");
	});

	it("is the whole object for no header, another unit, several ranges or nonsense", () => {
		for (const header of [undefined, "", "items=0-1", "bytes=0-1,5-6", "bytes=5-2", "bytes=-", "bytes=a-b"]) {
			expect(requestedByteRange(header, 1000), String(header)).toBeUndefined();
		}
	});
});
