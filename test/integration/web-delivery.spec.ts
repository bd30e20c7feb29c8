import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY } from "../../lib/security-headers";
import { IMMUTABLE_CACHE_CONTROL, REVALIDATE_CACHE_CONTROL } from "../../lib/static-assets";
import { startTestApi, type TestApi } from "../support/test-node";
import { rawRequest, writeBuildFile, writeBuildManifest } from "../support/web-build";
import { testDatabaseUrl } from "../support/file-database";

const INDEX_HTML = `<!doctype html><html><head><title>Etude</title></head><body>${"<div></div>".repeat(200)}</body></html>`;
const HASHED_SCRIPT = "assets/index-Qw12Er34.js";
const BROWSER = { "Accept-Encoding": "gzip, deflate, br, zstd" };
const PAGE = { ...BROWSER, Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

let clientDist: string;
let api: TestApi;
let behindHttps: TestApi;
let behindProxy: TestApi;

beforeAll(async () => {
	clientDist = await mkdtemp(path.join(os.tmpdir(), "etude-web-build-"));
	await writeBuildFile(clientDist, "index.html", INDEX_HTML);
	await writeBuildFile(clientDist, HASHED_SCRIPT, `console.log(${JSON.stringify("etude ".repeat(400))});`);
	await writeBuildFile(clientDist, "sw.js", `self.addEventListener("message", () => {}); // ${"-".repeat(2000)}`);
	await writeBuildManifest(clientDist, [HASHED_SCRIPT]);
	[api, behindHttps, behindProxy] = await Promise.all([
		startTestApi(testDatabaseUrl(), { CLIENT_DIST_DIR: clientDist }),
		startTestApi(testDatabaseUrl(), { CLIENT_DIST_DIR: clientDist, PUBLIC_URL: "https://etude.example.org" }),
		startTestApi(testDatabaseUrl(), { CLIENT_DIST_DIR: clientDist, TRUSTED_PROXIES: "127.0.0.1,::1" })
	]);
});

afterAll(async () => {
	await Promise.all([api?.stop(), behindHttps?.stop(), behindProxy?.stop()]);
	await rm(clientDist, { recursive: true, force: true });
});

function get(pathname: string, headers: Record<string, string> = {}, method = "GET") {
	return rawRequest(api.baseUrl, pathname, headers, method);
}

function policyOf(header: string | string[] | undefined): Map<string, string> {
	return new Map(
		String(header)
			.split(";")
			.map((directive) => {
				const [name, ...sources] = directive.trim().split(/\s+/);
				return [name!, sources.join(" ")];
			})
	);
}

describe("the web app over HTTP", () => {
	it("serves the index page precompressed, revalidated on every visit, under the app's policy", async () => {
		const response = await get("/", PAGE);
		expect(response.status).toBe(200);
		expect(response.headers["content-encoding"]).toBe("br");
		expect(response.headers.vary).toBe("Accept-Encoding");
		expect(response.headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
		expect(brotliDecompressSync(response.body).toString()).toBe(INDEX_HTML);
		const policy = policyOf(response.headers["content-security-policy"]);
		expect(policy.get("script-src")).toBe("'self' 'wasm-unsafe-eval'");
		expect(policy.get("frame-ancestors")).toBe("'none'");
		expect(policy.get("media-src")).toContain("blob:");
		expect(response.headers["x-content-type-options"]).toBe("nosniff");
		expect(response.headers["referrer-policy"]).toBe("no-referrer");
		expect(response.headers["strict-transport-security"]).toBeUndefined();
	});

	it("answers client-side routes with the index page", async () => {
		const response = await get("/tabs/practice", PAGE);
		expect(response.status).toBe(200);
		expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
		expect(brotliDecompressSync(response.body).toString()).toBe(INDEX_HTML);
	});

	it("caches hashed scripts as immutable and revalidates the service worker, both compressed", async () => {
		const script = await get(`/${HASHED_SCRIPT}`, BROWSER);
		expect(script.status).toBe(200);
		expect(script.headers["cache-control"]).toBe(IMMUTABLE_CACHE_CONTROL);
		expect(script.headers["content-encoding"]).toBe("br");
		expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");

		const worker = await get("/sw.js", { "Accept-Encoding": "gzip" });
		expect(worker.headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
		expect(worker.headers["content-encoding"]).toBe("gzip");
		// The service worker runs under the policy it is served with: the app's, which lets it fetch the shell.
		expect(policyOf(worker.headers["content-security-policy"]).get("connect-src")).toContain("'self'");
		const revalidated = await get("/sw.js", { "Accept-Encoding": "gzip", "If-None-Match": worker.headers.etag! });
		expect(revalidated.status).toBe(304);
	});

	it("answers a script the build lacks with 404, not with the index page", async () => {
		const response = await get("/assets/missing-Zz00Yy11.js", { ...BROWSER, Accept: "*/*" });
		expect(response.status).toBe(404);
		expect(response.headers["content-type"]).toMatch(/^application\/json/);
	});
});

describe("API responses", () => {
	it("carry nosniff and a policy that allows nothing and no framing", async () => {
		for (const pathname of ["/api/health", "/api/openapi.json", "/api/no-such-route", "/api/sessions"]) {
			const response = await get(pathname, { Accept: "text/html" });
			expect(response.headers["content-type"], pathname).toMatch(/^application\/json/);
			expect(response.headers["x-content-type-options"], pathname).toBe("nosniff");
			expect(response.headers["content-security-policy"], pathname).toBe(API_CONTENT_SECURITY_POLICY);
			expect(response.headers["referrer-policy"], pathname).toBe("no-referrer");
		}
	});

	it("never fall back to the web app, even for a browser asking for a page", async () => {
		const response = await get("/api/no-such-route", PAGE);
		expect(response.status).toBe(404);
		expect(JSON.parse(response.body.toString()).code).toBe("ERR_ROUTE_NOT_FOUND");
	});

	it("include uploads and signed object URLs", async () => {
		const upload = await get("/api/uploads", { "Tus-Resumable": "1.0.0" }, "OPTIONS");
		expect(upload.headers["content-security-policy"]).toBe(API_CONTENT_SECURITY_POLICY);
		expect(upload.headers["x-content-type-options"]).toBe("nosniff");
		const forged = await get("/objects/recordings/forged.mp4?expires=1&signature=nope");
		expect(forged.status).toBeGreaterThanOrEqual(400);
		expect(forged.headers["content-security-policy"]).toBe(API_CONTENT_SECURITY_POLICY);
		expect(forged.headers["x-content-type-options"]).toBe("nosniff");
	});
});

describe("behind HTTPS", () => {
	it("sends HSTS on the web app and the API when PUBLIC_URL is https", async () => {
		for (const pathname of ["/", "/api/health"]) {
			const response = await rawRequest(behindHttps.baseUrl, pathname, PAGE);
			expect(response.headers["strict-transport-security"], pathname).toBe(STRICT_TRANSPORT_SECURITY);
		}
		const policy = policyOf((await rawRequest(behindHttps.baseUrl, "/", PAGE)).headers["content-security-policy"]);
		expect(policy.get("media-src")).toBe("'self' blob: https://etude.example.org");
	});

	it("believes X-Forwarded-Proto only from a trusted proxy", async () => {
		const forwarded = { ...PAGE, "X-Forwarded-Proto": "https" };
		expect((await rawRequest(behindProxy.baseUrl, "/", forwarded)).headers["strict-transport-security"]).toBe(STRICT_TRANSPORT_SECURITY);
		expect((await rawRequest(behindProxy.baseUrl, "/api/health", forwarded)).headers["strict-transport-security"]).toBe(
			STRICT_TRANSPORT_SECURITY
		);
		expect((await rawRequest(behindProxy.baseUrl, "/", PAGE)).headers["strict-transport-security"]).toBeUndefined();
		// The suite's node trusts no proxy: the same header from the same address is ignored.
		expect((await get("/", forwarded)).headers["strict-transport-security"]).toBeUndefined();
	});
});
