import { describe, expect, it } from "vitest";
import { newObjectKey, newObjectPrefix } from "./object-key";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe("object keys", () => {
	it("puts a fresh random UUID folder between the prefix and our file name", () => {
		const first = newObjectKey("recordings", "source.mp4");
		const second = newObjectKey("recordings", "source.mp4");

		expect(first).toMatch(new RegExp(`^recordings/${UUID}/source\\.mp4$`));
		expect(second).not.toBe(first);
	});

	it("gives a folder prefix that every derived object of one upload can share", () => {
		const prefix = newObjectPrefix("recordings");
		expect(prefix).toMatch(new RegExp(`^recordings/${UUID}/$`));
		expect(newObjectKey("recordings", "hls/index.m3u8")).toMatch(new RegExp(`^recordings/${UUID}/hls/index\\.m3u8$`));
	});

	it.each(["../../etc/passwd", "/absolute.mp4", "a//b.mp4", ""])("refuses the file name %j", (filename) => {
		expect(() => newObjectKey("recordings", filename)).toThrow(expect.objectContaining({ type: "ERR_INVALID_OBJECT_KEY" }));
	});

	it("refuses an unsafe prefix", () => {
		expect(() => newObjectPrefix("../outside")).toThrow(expect.objectContaining({ type: "ERR_INVALID_OBJECT_KEY" }));
	});
});
