import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";

/**
 * Serves a built web app (client/dist): brotli or gzip files written at build time, chosen by Accept-Encoding;
 * content-hashed files cached for a year as immutable, everything else (index.html, the service worker, the
 * manifest, icons) revalidated on every use with its ETag; the index page for client-side routes.
 */

export interface StaticAssetsOptions {
	/** The build folder. */
	root: string;
	/** The page every client-side route is answered with, relative to root. */
	indexPage?: string;
	/** Vite's build manifest, relative to root: the files it lists carry a content hash in their name. */
	buildManifest?: string;
}

/** Answers a request from the build, or returns false when the build has nothing for it. */
export type StaticAssetHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const REVALIDATE_CACHE_CONTROL = "no-cache";

const CONTENT_TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".mjs": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".json": "application/json; charset=utf-8",
	".map": "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
	".jpg": "image/jpeg",
	".webp": "image/webp",
	".ico": "image/x-icon",
	".wasm": "application/wasm",
	".woff2": "font/woff2"
};

/** Precompressed variants, in the order we prefer them when the client accepts several equally. */
const ENCODINGS = [
	{ name: "br", suffix: ".br" },
	{ name: "gzip", suffix: ".gz" }
] as const;
type Encoding = (typeof ENCODINGS)[number]["name"] | "identity";

/** Accept-Encoding → the q-value of each coding named (RFC 9110 §12.5.3); `*` stands for the rest. */
export function parseAcceptEncoding(header: string | undefined): Map<string, number> {
	const weights = new Map<string, number>();
	for (const part of (header ?? "").split(",")) {
		const [coding, ...parameters] = part.trim().toLowerCase().split(";");
		if (!coding) continue;
		const q = parameters.map((p) => p.trim()).find((p) => p.startsWith("q="));
		const weight = q === undefined ? 1 : Number(q.slice(2));
		weights.set(coding, Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 1) : 0);
	}
	return weights;
}

/** Identity not named in Accept-Encoding is acceptable (RFC 9110) but the least wanted: any accepted coding wins. */
const IMPLICIT_IDENTITY_WEIGHT = 0.001;

/** The coding to send: the client's most wanted among those we have, br before gzip before identity on a tie. */
export function chooseEncoding(header: string | undefined, available: ReadonlySet<string>): Encoding | undefined {
	const weights = parseAcceptEncoding(header);
	const weightOf = (coding: string) =>
		weights.get(coding) ?? weights.get("*") ?? (coding === "identity" ? IMPLICIT_IDENTITY_WEIGHT : 0);
	const candidates: Encoding[] = [...ENCODINGS.filter(({ name }) => available.has(name)).map(({ name }) => name), "identity"];
	let best: { coding: Encoding; weight: number } | undefined;
	for (const coding of candidates) {
		const weight = weightOf(coding);
		if (weight > 0 && weight > (best?.weight ?? 0)) best = { coding, weight };
	}
	return best?.coding;
}

/** The request's path as a file under root, or undefined when it is malformed, hidden or outside root. */
function fileFor(root: string, indexPage: string, url: string | undefined): string | undefined {
	let pathname: string;
	try {
		pathname = decodeURIComponent(new URL(url ?? "/", "http://localhost").pathname);
	} catch {
		return undefined;
	}
	if (pathname.includes("\0") || pathname.split("/").some((segment) => segment.startsWith("."))) return undefined;
	const file = path.resolve(root, `.${pathname}`);
	if (file === root) return path.join(root, indexPage);
	return file.startsWith(root + path.sep) ? file : undefined;
}

async function fileSize(file: string): Promise<{ size: number; mtimeMs: number } | undefined> {
	const stats = await stat(file).catch(() => undefined);
	return stats?.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs } : undefined;
}

/** Every file Vite's build manifest lists (chunks, their CSS, imported assets), relative to root. */
async function contentHashedFiles(manifestFile: string): Promise<Set<string>> {
	const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Record<
		string,
		{ file: string; css?: string[]; assets?: string[] }
	>;
	return new Set(Object.values(manifest).flatMap((chunk) => [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]));
}

export function createStaticAssets(options: StaticAssetsOptions): StaticAssetHandler {
	const root = path.resolve(options.root);
	const indexPage = options.indexPage ?? "index.html";
	const indexFile = path.join(root, indexPage);
	const manifestFile = path.join(root, options.buildManifest ?? ".vite/manifest.json");
	// Re-read when a new build replaces the manifest, so a rebuild under a running server is served right.
	let hashed: { mtimeMs: number; files: Promise<Set<string>> } | undefined;

	async function isContentHashed(file: string): Promise<boolean> {
		const manifest = await fileSize(manifestFile);
		if (!manifest) return false;
		if (hashed?.mtimeMs !== manifest.mtimeMs) {
			hashed = { mtimeMs: manifest.mtimeMs, files: contentHashedFiles(manifestFile).catch(() => new Set<string>()) };
		}
		return (await hashed.files).has(path.relative(root, file).split(path.sep).join("/"));
	}

	async function send(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
		const variants = await Promise.all(
			ENCODINGS.map(async ({ name, suffix }) => ({ name, file: file + suffix, stats: await fileSize(file + suffix) }))
		);
		const available = new Set(variants.filter((variant) => variant.stats).map((variant) => variant.name));
		const encoding = chooseEncoding(req.headers["accept-encoding"], available);
		if (available.size > 0) res.setHeader("Vary", "Accept-Encoding");
		if (!encoding) {
			res.writeHead(406, { "Content-Type": "text/plain; charset=utf-8" });
			res.end("None of the accepted content codings is available.\n");
			return;
		}
		const chosen = variants.find((variant) => variant.name === encoding);
		const body = chosen?.stats ? { file: chosen.file, stats: chosen.stats } : { file, stats: (await fileSize(file))! };
		const etag = `"${body.stats.size.toString(36)}-${Math.trunc(body.stats.mtimeMs).toString(36)}-${encoding}"`;
		res.setHeader("Cache-Control", (await isContentHashed(file)) ? IMMUTABLE_CACHE_CONTROL : REVALIDATE_CACHE_CONTROL);
		res.setHeader("ETag", etag);
		if (ifNoneMatch(req.headers["if-none-match"], etag)) {
			res.writeHead(304);
			res.end();
			return;
		}
		res.setHeader("Content-Type", CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream");
		res.setHeader("Content-Length", body.stats.size);
		if (encoding !== "identity") res.setHeader("Content-Encoding", encoding);
		res.writeHead(200);
		if (req.method === "HEAD") {
			res.end();
			return;
		}
		await pipeline(createReadStream(body.file), res).catch(() => res.destroy());
	}

	return async (req, res) => {
		if (req.method !== "GET" && req.method !== "HEAD") return false;
		const file = fileFor(root, indexPage, req.url);
		if (file && (await fileSize(file))) {
			await send(req, res, file);
			return true;
		}
		// Client-side routes (/login, /tabs/practice …) are pages of the app; anything else the build lacks is a 404.
		const wantsPage = req.headers.accept?.includes("text/html") ?? false;
		if (!wantsPage || !(await fileSize(indexFile))) return false;
		await send(req, res, indexFile);
		return true;
	};
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
	if (!header) return false;
	return header.split(",").some((candidate) => {
		const tag = candidate.trim();
		return tag === "*" || tag === etag || tag === `W/${etag}`;
	});
}
