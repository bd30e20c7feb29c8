import { describe, expect, it } from "vitest";
import { rebaseMediaAddresses } from "./media-addresses";

const html = '<p><video controls="" preload="none" poster="/api/forum-media/x/poster.jpg?s=1" src="/api/forum-media/x/clip.mp4?s=1">a</video> /api/forum-media/ in text</p>';

describe("media addresses in rendered posts", () => {
	it("stay as they are when the API shares the app's origin", () => {
		expect(rebaseMediaAddresses(html, "/api", "https://etude.example/tabs/community")).toBe(html);
	});

	it("move to the API's origin in the native app, and only our route's src and poster do", () => {
		expect(rebaseMediaAddresses(html, "https://etude.example/api", "capacitor://localhost/")).toBe(
			'<p><video controls="" preload="none" poster="https://etude.example/api/forum-media/x/poster.jpg?s=1" src="https://etude.example/api/forum-media/x/clip.mp4?s=1">a</video> /api/forum-media/ in text</p>'
		);
	});
});
