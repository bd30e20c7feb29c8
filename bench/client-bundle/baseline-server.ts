import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".wasm": "application/wasm",
	".svg": "image/svg+xml",
	".png": "image/png",
	".ico": "image/x-icon",
	".webmanifest": "application/manifest+json"
};

/**
 * The build served as the gateway served it before this work: files by path as they are on disk, no compression,
 * no cache headers, the index page for every other path, and no service worker (its script answers 404, so the
 * app's registration fails and the page behaves as it did without one).
 */
export function startBaselineServer(distDir: string): Promise<{ baseUrl: string; stop(): Promise<void> }> {
	const server: Server = createServer((request, response) => {
		const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
		if (pathname === "/sw.js") {
			response.writeHead(404).end();
			return;
		}
		const candidate = normalize(join(distDir, pathname));
		const isFile = candidate.startsWith(distDir) && existsSync(candidate) && statSync(candidate).isFile();
		const filePath = isFile ? candidate : join(distDir, "index.html");
		response.writeHead(200, {
			"Content-Type": CONTENT_TYPES[extname(filePath)] ?? "application/octet-stream",
			"Content-Length": statSync(filePath).size
		});
		createReadStream(filePath).pipe(response);
	});
	return new Promise((listening) =>
		server.listen(0, "127.0.0.1", () =>
			listening({
				baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
				stop: () => new Promise<void>((closed) => server.close(() => closed()))
			})
		)
	);
}
