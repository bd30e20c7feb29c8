import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	chooseEncoding,
	createStaticAssets,
	IMMUTABLE_CACHE_CONTROL,
	parseAcceptEncoding,
	REVALIDATE_CACHE_CONTROL
} from "./static-assets";
import { rawRequest, writeBuildFile, writeBuildManifest } from "../test/support/web-build";

const INDEX_HTML = `<!doctype html><html><head><script type="module" src="/assets/app-Ab12Cd34.js"></script></head><body>${"Etude ".repeat(200)}</body></html>`;
const APP_JS = `export const greeting = ${JSON.stringify("hello ".repeat(500))};`;
const SW_JS = `self.addEventListener("fetch", () => {}); // ${"x".repeat(2000)}`;

let root: string;
let server: Server;
let baseUrl: string;

function get(pathname: string, headers: Record<string, string> = {}, method = "GET") {
	return rawRequest(baseUrl, pathname, headers, method);
}

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), "etude-static-"));
	await writeBuildFile(root, "index.html", INDEX_HTML);
	await writeBuildFile(root, "assets/app-Ab12Cd34.js", APP_JS);
	await writeBuildFile(root, "sw.js", SW_JS, ["br"]);
	await writeFile(path.join(root, "favicon.ico"), Buffer.from([0, 0, 1, 0]));
	await writeBuildManifest(root, ["assets/app-Ab12Cd34.js"]);
	await writeFile(path.join(root, "..", `${path.basename(root)}-secret.txt`), "outside the build");
	const serve = createStaticAssets({ root });
	server = createServer((req, res) => {
		void serve(req, res).then((served) => {
			if (!served) res.writeHead(404).end("not ours");
		});
	});
	await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise((closed) => server.close(closed));
	await rm(path.join(root, "..", `${path.basename(root)}-secret.txt`), { force: true });
	await rm(root, { recursive: true, force: true });
});

describe("Accept-Encoding negotiation", () => {
	it("reads q-values and treats a missing one as 1", () => {
		expect(parseAcceptEncoding("gzip, br;q=0.8, identity;q=0")).toEqual(
			new Map([
				["gzip", 1],
				["br", 0.8],
				["identity", 0]
			])
		);
		expect(parseAcceptEncoding(undefined)).toEqual(new Map());
	});

	it("prefers brotli, then gzip, then identity among what the client accepts equally", () => {
		const both = new Set(["br", "gzip"]);
		expect(chooseEncoding("gzip, deflate, br, zstd", both)).toBe("br");
		expect(chooseEncoding("gzip, deflate", both)).toBe("gzip");
		expect(chooseEncoding("gzip, br", new Set(["gzip"]))).toBe("gzip");
		expect(chooseEncoding(undefined, both)).toBe("identity");
		expect(chooseEncoding("", both)).toBe("identity");
	});

	it("follows the client's weights, including refusals", () => {
		const both = new Set(["br", "gzip"]);
		expect(chooseEncoding("br;q=0.5, gzip", both)).toBe("gzip");
		expect(chooseEncoding("br;q=0, gzip;q=0", both)).toBe("identity");
		expect(chooseEncoding("*", both)).toBe("br");
		expect(chooseEncoding("*;q=0", both)).toBeUndefined();
		expect(chooseEncoding("identity;q=0", new Set())).toBeUndefined();
		expect(chooseEncoding("gzip;q=0.4, identity;q=0.6", both)).toBe("identity");
	});
});

describe("serving a build", () => {
	it("sends the brotli file to a client that accepts brotli, and says the answer varies by encoding", async () => {
		const response = await get("/assets/app-Ab12Cd34.js", { "Accept-Encoding": "gzip, deflate, br" });
		expect(response.status).toBe(200);
		expect(response.headers["content-encoding"]).toBe("br");
		expect(response.headers["vary"]).toBe("Accept-Encoding");
		expect(response.headers["content-type"]).toBe("text/javascript; charset=utf-8");
		expect(Number(response.headers["content-length"])).toBe(response.body.length);
		expect(brotliDecompressSync(response.body).toString()).toBe(APP_JS);
	});

	it("sends gzip to a client without brotli and the plain file to one that asks for no coding", async () => {
		const gzipped = await get("/assets/app-Ab12Cd34.js", { "Accept-Encoding": "gzip" });
		expect(gzipped.headers["content-encoding"]).toBe("gzip");
		expect(gunzipSync(gzipped.body).toString()).toBe(APP_JS);

		const plain = await get("/assets/app-Ab12Cd34.js");
		expect(plain.headers["content-encoding"]).toBeUndefined();
		expect(plain.headers["vary"]).toBe("Accept-Encoding");
		expect(plain.body.toString()).toBe(APP_JS);
	});

	it("caches content-hashed files for a year as immutable and has everything else revalidated", async () => {
		expect((await get("/assets/app-Ab12Cd34.js")).headers["cache-control"]).toBe(IMMUTABLE_CACHE_CONTROL);
		for (const pathname of ["/", "/index.html", "/sw.js", "/favicon.ico"]) {
			expect((await get(pathname)).headers["cache-control"], pathname).toBe(REVALIDATE_CACHE_CONTROL);
		}
	});

	it("answers a matching If-None-Match with 304 and no body", async () => {
		const first = await get("/sw.js", { "Accept-Encoding": "br" });
		expect(first.headers["content-encoding"]).toBe("br");
		const again = await get("/sw.js", { "Accept-Encoding": "br", "If-None-Match": first.headers.etag! });
		expect(again.status).toBe(304);
		expect(again.body.length).toBe(0);
		expect(again.headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
		// Each encoding is its own representation with its own tag.
		const plain = await get("/sw.js", { "If-None-Match": first.headers.etag! });
		expect(plain.status).toBe(200);
		expect(plain.headers.etag).not.toBe(first.headers.etag);
	});

	it("answers HEAD with the headers of GET and no body", async () => {
		const response = await get("/index.html", { "Accept-Encoding": "br" }, "HEAD");
		expect(response.status).toBe(200);
		expect(response.headers["content-encoding"]).toBe("br");
		expect(Number(response.headers["content-length"])).toBe(brotliCompressSync(INDEX_HTML).length);
		expect(response.body.length).toBe(0);
	});

	it("answers client-side routes with the index page, but only for pages", async () => {
		const page = await get("/tabs/practice", { Accept: "text/html,application/xhtml+xml", "Accept-Encoding": "gzip" });
		expect(page.status).toBe(200);
		expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
		expect(page.headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
		expect(gunzipSync(page.body).toString()).toBe(INDEX_HTML);
		// A script the build does not have is a 404, never the index page under a script's name.
		expect((await get("/assets/gone-Zz99Yy88.js", { Accept: "*/*" })).status).toBe(404);
	});

	it("serves nothing outside the build, hidden files, or for other methods", async () => {
		for (const pathname of [
			`/../${path.basename(root)}-secret.txt`,
			`/%2e%2e/${path.basename(root)}-secret.txt`,
			`/assets/..%2F..%2F${path.basename(root)}-secret.txt`,
			"/.vite/manifest.json",
			"/assets/%00app.js",
			"/%E0%A4%A"
		]) {
			expect((await get(pathname)).status, pathname).toBe(404);
		}
		expect((await get("/index.html", {}, "POST")).status).toBe(404);
	});

	it("refuses with 406 when the client accepts no coding the file has", async () => {
		const response = await get("/favicon.ico", { "Accept-Encoding": "br, identity;q=0" });
		expect(response.status).toBe(406);
	});

	it("follows a rebuild under a running server: newly hashed files become immutable", async () => {
		await writeBuildFile(root, "assets/next-Ef56Gh78.js", APP_JS);
		expect((await get("/assets/next-Ef56Gh78.js")).headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
		await writeBuildManifest(root, ["assets/app-Ab12Cd34.js", "assets/next-Ef56Gh78.js"]);
		// A later modification time than the first manifest's, whatever the file system's timestamp resolution.
		const later = new Date(Date.now() + 60_000);
		await utimes(path.join(root, ".vite/manifest.json"), later, later);
		expect((await get("/assets/next-Ef56Gh78.js")).headers["cache-control"]).toBe(IMMUTABLE_CACHE_CONTROL);
	});
});
