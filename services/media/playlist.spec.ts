import { describe, expect, it } from "vitest";
import { rewritePlaylist, signedPlaylistPath, verifyPlaylistSignature } from "./playlist";

const secret = "s".repeat(43);
const videoId = "6f1c0a52-3f4e-4c51-9a57-1f2d3e4b5c6d";
const viewerId = "0d7e4b1a-2c3f-4a5b-8c9d-0e1f2a3b4c5d";
const otherViewerId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

describe("playback links", () => {
	it("accepts its own signature and refuses one for another video, rendition or viewer", () => {
		const url = new URL(signedPlaylistPath(videoId, "720p", viewerId, secret), "http://x");
		expect(url.searchParams.get("viewer")).toBe(viewerId);
		const expires = Number(url.searchParams.get("expires"));
		const signature = url.searchParams.get("signature")!;
		expect(() => verifyPlaylistSignature(videoId, "720p", viewerId, expires, signature, secret)).not.toThrow();
		const invalid = expect.objectContaining({ type: "ERR_PLAYBACK_LINK_INVALID" });
		expect(() => verifyPlaylistSignature(videoId, "quick", viewerId, expires, signature, secret)).toThrow(invalid);
		expect(() => verifyPlaylistSignature(videoId, "720p", otherViewerId, expires, signature, secret)).toThrow(invalid);
		expect(() => verifyPlaylistSignature(videoId, "720p", viewerId, expires + 1, signature, secret)).toThrow(invalid);
	});

	it("refuses an expired link", () => {
		const url = new URL(signedPlaylistPath(videoId, "720p", viewerId, secret, Date.now() - 2 * 3600_000), "http://x");
		expect(() => verifyPlaylistSignature(videoId, "720p", viewerId, Number(url.searchParams.get("expires")), url.searchParams.get("signature")!, secret)).toThrow(
			expect.objectContaining({ type: "ERR_PLAYBACK_LINK_EXPIRED" })
		);
	});
});

describe("rewritePlaylist", () => {
	it("signs the init section and every segment, leaving tags alone", async () => {
		const playlist = ["#EXTM3U", "#EXT-X-VERSION:7", '#EXT-X-MAP:URI="init.mp4"', "#EXTINF:6.0,", "segment-000.m4s", "#EXT-X-ENDLIST", ""].join("\n");
		const rewritten = await rewritePlaylist(playlist, async (uri) => `https://cdn.example/${uri}?sig=1`);
		expect(rewritten.split("\n")).toEqual([
			"#EXTM3U",
			"#EXT-X-VERSION:7",
			'#EXT-X-MAP:URI="https://cdn.example/init.mp4?sig=1"',
			"#EXTINF:6.0,",
			"https://cdn.example/segment-000.m4s?sig=1",
			"#EXT-X-ENDLIST",
			""
		]);
	});
});
