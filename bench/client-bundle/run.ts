/**
 * Client bundle benchmark: builds the app, opens the login route in headless Chromium and sums the gzipped size
 * of every JavaScript file the page loads, beside the 300 KB budget and, as the same-run baseline, the gzipped
 * size of all JavaScript in the build (what a single un-split bundle would cost).
 *
 *   npm run bench:client
 */
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { extname, join, normalize, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const LOGIN_ROUTE_BUDGET_BYTES = 300 * 1024;
const CLIENT_DIR = resolve(import.meta.dirname, "../../client");
const DIST_DIR = join(CLIENT_DIR, "dist");
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const CONTENT_TYPES: Record<string, string> = {
	".html": "text/html",
	".js": "text/javascript",
	".css": "text/css",
	".wasm": "application/wasm",
	".svg": "image/svg+xml"
};

interface Browser {
	newPage(): Promise<{
		on(event: "response", listener: (response: { url(): string }) => void): void;
		goto(url: string, options: { waitUntil: "networkidle" }): Promise<unknown>;
		waitForSelector(selector: string): Promise<unknown>;
	}>;
	close(): Promise<void>;
}
interface PlaywrightCore {
	chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

// playwright-core is a dependency of the client project, not of the root.
const { chromium } = createRequire(join(CLIENT_DIR, "package.json"))("playwright-core") as PlaywrightCore;

function gzippedBytes(filePath: string): number {
	return gzipSync(readFileSync(filePath), { level: 9 }).length;
}

function listFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? listFiles(path) : [path];
	});
}

/** Serves dist the way the gateway will: files by path, index.html for every client route. */
function serveDist(): Promise<Server> {
	const server = createServer((request, response) => {
		const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
		const candidate = normalize(join(DIST_DIR, pathname));
		const isFile = candidate.startsWith(DIST_DIR) && existsSync(candidate) && statSync(candidate).isFile();
		const filePath = isFile ? candidate : join(DIST_DIR, "index.html");
		response.writeHead(200, { "Content-Type": CONTENT_TYPES[extname(filePath)] ?? "application/octet-stream" });
		createReadStream(filePath).pipe(response);
	});
	return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

async function loginRouteScripts(baseUrl: string): Promise<string[]> {
	const browser = await chromium.launch({
		executablePath: CHROMIUM_PATH,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"]
	});
	try {
		const page = await browser.newPage();
		const scripts = new Set<string>();
		page.on("response", (response) => {
			const path = new URL(response.url()).pathname;
			if (path.endsWith(".js")) scripts.add(path);
		});
		await page.goto(`${baseUrl}/login`, { waitUntil: "networkidle" });
		await page.waitForSelector("form[aria-label='Sign in']");
		return [...scripts];
	} finally {
		await browser.close();
	}
}

execFileSync("npm", ["--prefix", CLIENT_DIR, "run", "build"], { stdio: ["ignore", "ignore", "inherit"] });
const server = await serveDist();
try {
	const { port } = server.address() as AddressInfo;
	const scripts = await loginRouteScripts(`http://127.0.0.1:${port}`);
	const loginBytes = scripts.reduce((sum, path) => sum + gzippedBytes(join(DIST_DIR, path)), 0);
	const allBytes = listFiles(DIST_DIR)
		.filter((path) => path.endsWith(".js"))
		.reduce((sum, path) => sum + gzippedBytes(path), 0);
	const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
	const withinBudget = loginBytes <= LOGIN_ROUTE_BUDGET_BYTES;
	process.stdout.write(
		[
			`login route JavaScript (gzip -9):  ${kb(loginBytes)} in ${scripts.length} files`,
			`budget:                            ${kb(LOGIN_ROUTE_BUDGET_BYTES)}`,
			`baseline, all JavaScript in build: ${kb(allBytes)} (the login route loads ${((100 * loginBytes) / allBytes).toFixed(0)} % of it)`,
			withinBudget ? "within budget" : "OVER BUDGET",
			""
		].join("\n")
	);
	process.exitCode = withinBudget ? 0 : 1;
} finally {
	server.close();
}
