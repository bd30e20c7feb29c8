import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import plaintext from "highlight.js/lib/languages/plaintext";
import python from "highlight.js/lib/languages/python";
import MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";
import { FORUM_MEDIA_SRC, MEDIA_REFERENCE, type EmbeddableMedia } from "./forum-media";

/**
 * The one markdown pipeline of Etude (forum posts, comments, feedback on recordings, previews):
 * markdown-it with raw HTML off renders, then sanitize-html cleans the OUTPUT against an
 * allowlist. Sanitising the input instead is a known bypass (marked#2462), so nothing rendered
 * here reaches a page without the second step. Store the raw text and the result together.
 */
export type MarkdownProfile =
	/** Questions and answers: headings, lists, quotes, tables, code fences with highlighting, links. */
	| "full"
	/** Short comments and feedback on a recording: emphasis, code, links and lists; no headings, tables or images. */
	| "light";

export const MARKDOWN_MAX_CHARS = 32_000;

for (const [name, language] of Object.entries({ bash, javascript, json, plaintext, python })) hljs.registerLanguage(name, language);

function highlight(code: string, language: string): string {
	const known = language && hljs.getLanguage(language) ? language : "plaintext";
	return hljs.highlight(code, { language: known, ignoreIllegals: true }).value;
}

const renderers = {
	full: new MarkdownIt({ html: false, linkify: true, typographer: false, highlight }),
	light: new MarkdownIt({ html: false, linkify: true, typographer: false, highlight }).disable(["heading", "lheading", "table", "image", "hr"])
} satisfies Record<MarkdownProfile, unknown>;

const LINK_REL = "nofollow ugc noopener noreferrer";

/** What a rendering embeds for `![caption](media:<id>)`: the item, or undefined when it is gone (or never was). */
export type MediaResolver = (mediaId: string) => EmbeddableMedia | undefined;

type RenderEnv = Record<string, unknown> & {
	media?: MediaResolver;
	/** For plain text: an embedded item is its caption. */
	plain?: boolean;
};

export const MEDIA_REMOVED = "[media removed]";

type ImageRule = NonNullable<(typeof renderers.full)["renderer"]["rules"]["image"]>;
const escapeHtml = renderers.full.utils.escapeHtml;
const defaultImage: ImageRule = renderers.full.renderer.rules.image!;

/**
 * Images: only a reference to our own media (`media:<uuid>`) becomes an element, an <img> or a
 * <video> with its poster, sized so the page does not jump, loaded lazily, its addresses our serving
 * route's; any other image (a hot link, a broken reference) stays the escaped text it was before
 * media were embedded. The sanitizer below checks the same addresses again.
 */
renderers.full.renderer.rules.image = (tokens, idx, options, renderEnv, self) => {
	const token = tokens[idx]!;
	const env = (renderEnv ?? {}) as RenderEnv;
	const mediaId = MEDIA_REFERENCE.exec(String(token.attrGet("src") ?? ""))?.[1];
	const caption = escapeHtml(self.renderInlineAsText(token.children ?? [], options, env));
	// Plain text keeps an embedded item's caption; other images go, as they always did.
	if (env.plain) return mediaId ? caption : defaultImage(tokens, idx, options, env, self);
	if (!mediaId) return escapeHtml(defaultImage(tokens, idx, options, env, self));
	const media = env.media?.(mediaId);
	if (!media) return MEDIA_REMOVED;
	const size = `width="${media.width}" height="${media.height}"`;
	if (media.kind === "image") return `<img src="${escapeHtml(media.src)}" alt="${caption}" ${size} loading="lazy">`;
	return `<video controls preload="none" poster="${escapeHtml(media.poster ?? "")}" ${size} src="${escapeHtml(media.src)}">${caption}</video>`;
};

const DIMENSION = /^\d{1,5}$/;

/** Only our serving route's addresses, only sizes that are numbers. */
function embedsOurMedia(frame: sanitizeHtml.IFrame): boolean {
	const { src, poster, width, height } = frame.attribs;
	if (!src || !FORUM_MEDIA_SRC.test(src) || !DIMENSION.test(width ?? "") || !DIMENSION.test(height ?? "")) return false;
	return frame.tag === "img" || (poster !== undefined && FORUM_MEDIA_SRC.test(poster));
}

const allowedTags: Record<MarkdownProfile, string[]> = {
	light: ["p", "br", "em", "strong", "del", "s", "code", "pre", "span", "a", "ul", "ol", "li", "blockquote"],
	full: ["p", "br", "em", "strong", "del", "s", "code", "pre", "span", "a", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "img", "video"]
};

function sanitizeOptions(profile: MarkdownProfile): sanitizeHtml.IOptions {
	return {
		allowedTags: allowedTags[profile],
		allowedAttributes: {
			a: ["href", "title", "rel", "target"],
			code: ["class"],
			span: ["class"],
			th: ["style"],
			td: ["style"],
			img: ["src", "alt", "width", "height", "loading"],
			video: ["src", "poster", "controls", "preload", "width", "height"]
		},
		allowedClasses: { code: [/^language-[\w-]+$/], span: [/^hljs-[\w-]+$/] },
		// Only table alignment survives in style; anything else in a style attribute is dropped.
		allowedStyles: { th: { "text-align": [/^(left|right|center)$/] }, td: { "text-align": [/^(left|right|center)$/] } },
		allowedSchemes: ["http", "https", "mailto"],
		allowedSchemesAppliedToAttributes: ["href", "src", "poster"],
		allowProtocolRelative: false,
		disallowedTagsMode: "escape",
		transformTags: {
			a: (tagName, attributes) => ({ tagName, attribs: { ...attributes, rel: LINK_REL, target: "_blank" } }),
			img: (tagName, attributes) => ({ tagName, attribs: { ...attributes, loading: "lazy" } }),
			video: (tagName, attributes) => ({ tagName, attribs: { ...attributes, controls: "", preload: "none" } })
		},
		// An <img> or <video> that does not embed our own media goes, whatever produced it.
		exclusiveFilter: (frame) => (frame.tag === "img" || frame.tag === "video") && !embedsOurMedia(frame)
	};
}

/**
 * Markdown to HTML that is safe to put in a page as is. `media` resolves embedded pictures and
 * clips (full profile only); without it, or for an item it does not know, "[media removed]".
 */
export function renderMarkdown(raw: string, profile: MarkdownProfile = "full", media?: MediaResolver): string {
	const env: RenderEnv = { media };
	const html = renderers[profile].render(raw.normalize("NFC"), env);
	return sanitizeHtml(html, sanitizeOptions(profile));
}

/** The ids of the media a text embeds (`![…](media:<id>)`), each once, in order. */
export function mediaReferences(raw: string): string[] {
	const ids = new Set<string>();
	const visit = (tokens: ReturnType<(typeof renderers.full)["parse"]>) => {
		for (const token of tokens) {
			const id = token.type === "image" ? MEDIA_REFERENCE.exec(String(token.attrGet("src") ?? ""))?.[1] : undefined;
			if (id) ids.add(id);
			if (token.children) visit(token.children);
		}
	};
	visit(renderers.full.parse(raw.normalize("NFC"), {}));
	return [...ids];
}

/** The words of a markdown text without its markup, e.g. for a notification or a search snippet. */
export function markdownToPlainText(raw: string, maxChars = 200): string {
	const text = sanitizeHtml(renderers.full.render(raw.normalize("NFC"), { plain: true } satisfies RenderEnv), { allowedTags: [], allowedAttributes: {} })
		.replace(/&amp;/g, "&")
		.replace(/&lt;/g, "<")
		.replace(/&gt;/g, ">")
		.replace(/&quot;/g, '"')
		.replace(/&#39;/g, "'")
		.replace(/\s+/g, " ")
		.trim();
	return text.length > maxChars ? `${text.slice(0, maxChars - 1).trimEnd()}…` : text;
}

/** How many links and images a markdown text holds as rendered (new-user limits count them). */
export function markdownStats(raw: string): { links: number; images: number } {
	let links = 0;
	let images = 0;
	const visit = (tokens: ReturnType<(typeof renderers.full)["parse"]>) => {
		for (const token of tokens) {
			if (token.type === "link_open") links += 1;
			else if (token.type === "image") images += 1;
			if (token.children) visit(token.children);
		}
	};
	visit(renderers.full.parse(raw.normalize("NFC"), {}));
	return { links, images };
}
