import { Parser } from "htmlparser2";

/**
 * Markdown that tries to run script: script-scheme links in any case and spelling, data: links,
 * event handlers, SVG and iframe payloads, and the mutation-XSS vectors DOMPurify documents
 * (cure53/DOMPurify wiki, "Security Goals & Threat Model" and its bypass history).
 */
export const XSS_CORPUS = [
	"[x](javascript:alert(1))",
	"[x](JaVaScRiPt:alert(1))",
	"[x](  javascript:alert(1))",
	"[x](java\tscript:alert(1))",
	"[x](&#106;avascript:alert(1))",
	"[x](vbscript:msgbox(1))",
	"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"<javascript:alert(1)>",
	"![x](javascript:alert(1))",
	"![x](https://evil.example/a.png)",
	"![x](media:not-a-uuid)",
	"![x](media:javascript:alert(1))",
	'![x](https://etude.example/api/forum-media/6f1c0a52-3f4e-4c51-9a57-1f2d3e4b5c6d/image.jpg "our route, hot-linked")',
	'<img src=x onerror="alert(1)">',
	"<svg><script>alert(1)</script></svg>",
	"<svg onload=alert(1)>",
	'<iframe srcdoc="<script>alert(1)</script>"></iframe>',
	"<script>alert(1)</script>",
	'<a href="javascript:alert(1)">x</a>',
	'<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
	'<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;">',
	'<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
	"<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
	'<svg><style><img src=x onerror=alert(1)></style></svg>',
	"<math><mi><mglyph><svg><mtext><textarea><path id=\"</textarea><img onerror=alert(1) src=1>\">",
	'<a href="#" title="x" style="background:url(javascript:alert(1))">x</a>',
	"```html\n<script>alert(1)</script>\n```",
	"`<img src=x onerror=alert(1)>`",
	"[x](https://example.org\" onmouseover=\"alert(1))",
	'<details open ontoggle=alert(1)>'
];

const ALLOWED_ELEMENTS = new Set(["p", "br", "em", "strong", "del", "s", "code", "pre", "span", "a", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "mark"]);

/** Embedded forum media: only these elements, only addresses of our own serving route (written out here, independently of the server's pattern). */
const MEDIA_ELEMENTS = new Set(["img", "video"]);
const OUR_MEDIA_ROUTE = /^\/api\/forum-media\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/(image\.jpg|clip\.mp4|poster\.jpg)(\?[\w=&-]*)?$/;

/** Every element and attribute of some HTML, as a browser's parser would meet them. */
export function executableParts(html: string): string[] {
	const problems: string[] = [];
	new Parser({
		onopentag(name, attributes) {
			if (MEDIA_ELEMENTS.has(name)) {
				if (!OUR_MEDIA_ROUTE.test(attributes.src ?? "")) problems.push(`${name}[src=${attributes.src ?? ""}]`);
				if (name === "video" && !OUR_MEDIA_ROUTE.test(attributes.poster ?? "")) problems.push(`video[poster=${attributes.poster ?? ""}]`);
				const unexpected = Object.keys(attributes).filter((attribute) => !["src", "poster", "alt", "width", "height", "loading", "controls", "preload"].includes(attribute));
				problems.push(...unexpected.map((attribute) => `${name}[${attribute}]`));
			} else if (!ALLOWED_ELEMENTS.has(name)) problems.push(`<${name}>`);
			for (const [attribute, value] of Object.entries(attributes)) {
				if (/^on/i.test(attribute) || attribute === "style" && !/^text-align:(left|right|center);?$/.test(value) || attribute === "srcdoc") problems.push(`${name}[${attribute}]`);
				if (attribute === "href" && !/^(https?:\/\/|mailto:)/i.test(value)) problems.push(`${name}[href=${value}]`);
			}
		}
	}).end(html);
	return problems;
}

