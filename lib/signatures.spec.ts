import { describe, expect, it } from "vitest";
import { isSignatureOf, signParts } from "./signatures";

const SECRET = "a-secret-that-is-long-enough-for-hs256-signing";

describe("signatures", () => {
	it("accepts the signature of the same parts and nothing else", () => {
		const signature = signParts(SECRET, ["GET", "videos/a.mp4", 1_800_000_000]);
		expect(isSignatureOf(SECRET, ["GET", "videos/a.mp4", 1_800_000_000], signature)).toBe(true);
		expect(isSignatureOf(SECRET, ["PUT", "videos/a.mp4", 1_800_000_000], signature)).toBe(false);
		expect(isSignatureOf("another-secret-that-is-also-long-enough", ["GET", "videos/a.mp4", 1_800_000_000], signature)).toBe(false);
	});

	it("keeps part boundaries: moving text between parts changes the signature", () => {
		expect(signParts(SECRET, ["ab", "c"])).not.toBe(signParts(SECRET, ["a", "bc"]));
	});

	it("refuses a truncated or empty signature without throwing", () => {
		const signature = signParts(SECRET, ["x"]);
		expect(isSignatureOf(SECRET, ["x"], signature.slice(0, -1))).toBe(false);
		expect(isSignatureOf(SECRET, ["x"], "")).toBe(false);
	});
});
