import { mkdir, writeFile } from "node:fs/promises";
import { request, type IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";

/** A file of a fake web-app build, with the precompressed variants the client build writes beside it. */
export async function writeBuildFile(root: string, relative: string, content: string, variants: Array<"br" | "gz"> = ["br", "gz"]) {
	const file = path.join(root, relative);
	await mkdir(path.dirname(file), { recursive: true });
	await writeFile(file, content);
	if (variants.includes("br")) await writeFile(`${file}.br`, brotliCompressSync(content));
	if (variants.includes("gz")) await writeFile(`${file}.gz`, gzipSync(content));
}

/** Vite's build manifest, listing the given content-hashed files. */
export async function writeBuildManifest(root: string, hashedFiles: string[]) {
	const entries = Object.fromEntries(hashedFiles.map((file) => [`src/${path.basename(file)}`, { file }]));
	await mkdir(path.join(root, ".vite"), { recursive: true });
	await writeFile(path.join(root, ".vite/manifest.json"), JSON.stringify(entries));
}

export interface RawResponse {
	status: number;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

/**
 * node:http rather than fetch, which would add its own Accept-Encoding and decode the body; the path is sent as
 * written, without a URL parser removing dot segments first.
 */
export function rawRequest(baseUrl: string, pathname: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawResponse> {
	const { hostname, port } = new URL(baseUrl);
	return new Promise((done, fail) => {
		const outgoing = request({ hostname, port, path: pathname, method, headers, agent: false }, (response) => {
			const chunks: Buffer[] = [];
			response.on("data", (chunk: Buffer) => chunks.push(chunk));
			response.on("end", () => done({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
		});
		outgoing.on("error", fail);
		outgoing.end();
	});
}
