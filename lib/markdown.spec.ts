import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { markdownStats, markdownToPlainText, mediaReferences, renderMarkdown, type MediaResolver } from "./markdown";

function elementsOf(html: string): Array<{ name: string; attributes: Record<string, string> }> {
	const elements: Array<{ name: string; attributes: Record<string, string> }> = [];
	new Parser({ onopentag: (name, attributes) => elements.push({ name, attributes }) }).end(html);
	return elements;
}

describe("the markdown pipeline", () => {
	it("renders emphasis, lists, links and highlighted code fences", () => {
		const html = renderMarkdown("**Slow** bows:\n\n- G major\n- [scales](https://example.org/scales)\n\n```js\nconst bpm = 60;\n```");
		expect(html).toContain("<strong>Slow</strong>");
		expect(html).toContain("<li>G major</li>");
		expect(html).toContain('<a href="https://example.org/scales" rel="nofollow ugc noopener noreferrer" target="_blank">scales</a>');
		expect(html).toMatch(/<pre><code class="language-js"><span class="hljs-keyword">const<\/span>/);
	});

	it("never lets markup or script through", () => {
		for (const attack of [
			"<script>alert(1)</script>",
			"[x](javascript:alert(1))",
			"[x](JaVaScRiPt:alert(1))",
			"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
			'<img src=x onerror="alert(1)">',
			"<svg><script>alert(1)</script></svg>",
			'<iframe srcdoc="<script>alert(1)</script>"></iframe>',
			"![x](javascript:alert(1))"
		]) {
			const html = renderMarkdown(attack);
			// What is left may show the attack as text, never as markup, a handler or a link elsewhere.
			expect(elementsOf(html), attack).toEqual(elementsOf(html).filter((element) => ["p", "a"].includes(element.name)));
			for (const element of elementsOf(html)) {
				expect(Object.keys(element.attributes).filter((name) => name.startsWith("on")), attack).toEqual([]);
				if (element.attributes.href) expect(element.attributes.href, attack).toMatch(/^(https?|mailto):/);
			}
		}
	});

	it("keeps the light profile to text: no headings, tables or images", () => {
		const html = renderMarkdown("# Title\n\n![pic](https://example.org/a.png)\n\n| a |\n|---|\n| b |", "light");
		expect(html).not.toMatch(/<h1|<img|<table/);
		expect(html).toContain("# Title");
	});

	it("gives the plain words of a text, shortened", () => {
		expect(markdownToPlainText("**Intonation** at 0:03 is *flat* & tense")).toBe("Intonation at 0:03 is flat & tense");
		expect(markdownToPlainText("a ".repeat(200), 20)).toHaveLength(20);
	});

	describe("embedded media", () => {
		const id = "6f1c0a52-3f4e-4c51-9a57-1f2d3e4b5c6d";
		const signed = "viewer=0d7e4b1a-2c3f-4a5b-8c9d-0e1f2a3b4c5d&expires=1893456000&signature=abc_-1";
		const picture: MediaResolver = (mediaId) => (mediaId === id ? { kind: "image", width: 1600, height: 800, src: `/api/forum-media/${id}/image.jpg?${signed}`, poster: null } : undefined);
		const clip: MediaResolver = (mediaId) =>
			mediaId === id ? { kind: "clip", width: 1280, height: 720, src: `/api/forum-media/${id}/clip.mp4?${signed}`, poster: `/api/forum-media/${id}/poster.jpg?${signed}` } : undefined;

		it("renders a reference to our media as a lazy, sized <img> or a <video> with its poster on our route", () => {
			expect(elementsOf(renderMarkdown(`![Bow hold](media:${id})`, "full", picture))).toContainEqual({
				name: "img",
				attributes: { src: `/api/forum-media/${id}/image.jpg?${signed}`, alt: "Bow hold", width: "1600", height: "800", loading: "lazy" }
			});
			expect(elementsOf(renderMarkdown(`![Spiccato](media:${id})`, "full", clip))).toContainEqual({
				name: "video",
				attributes: { controls: "", preload: "none", poster: `/api/forum-media/${id}/poster.jpg?${signed}`, width: "1280", height: "720", src: `/api/forum-media/${id}/clip.mp4?${signed}` }
			});
		});

		it("says [media removed] for media it cannot resolve, and embeds nothing in the light profile", () => {
			expect(renderMarkdown(`![gone](media:${id})`)).toBe("<p>[media removed]</p>\n");
			expect(elementsOf(renderMarkdown(`![x](media:${id})`, "light", picture)).map((element) => element.name)).not.toContain("img");
		});

		it("keeps every other image escaped, and drops an element whose address is not our route", () => {
			for (const body of ["![x](https://evil.example/a.png)", "![x](media:not-a-uuid)", "![x](javascript:alert(1))", "![x](/api/forum-media/../objects/a.png)"]) {
				expect(elementsOf(renderMarkdown(body, "full", picture)).map((element) => element.name), body).toEqual(["p"]);
			}
			const hostile: MediaResolver = () => ({ kind: "image", width: 1, height: 1, src: "https://evil.example/x.png", poster: null });
			expect(elementsOf(renderMarkdown(`![x](media:${id})`, "full", hostile)).map((element) => element.name)).toEqual(["p"]);
		});

		it("lists the references, counts them as images and keeps their caption in plain text", () => {
			const body = `![one](media:${id}) and ![two](media:${id}) and ![x](https://example.org/a.png)`;
			expect(mediaReferences(body)).toEqual([id]);
			expect(markdownStats(body).images).toBe(3);
			expect(markdownToPlainText(`![Bow hold](media:${id}) at the frog`)).toBe("Bow hold at the frog");
		});
	});
});
