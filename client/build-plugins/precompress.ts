import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Plugin, ResolvedConfig } from "vite";

/** Types whose bytes compress; images and video are compressed already. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|wasm|ico|txt|map)$/;
/** Below this the headers outweigh the saving. */
const MIN_BYTES = 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { withFileTypes: true, recursive: true });
	return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Writes `name.br` (brotli, quality 11) and `name.gz` (gzip -9) beside every compressible file of the build, so the
 * server sends compressed bytes without compressing per request (lib/static-assets.ts picks one by
 * Accept-Encoding). A variant that would not be smaller is not written. Runs after every other plugin has written
 * its files (the service worker included).
 */
export function precompress(): Plugin {
	let outDir = "";
	return {
		name: "etude:precompress",
		apply: "build",
		configResolved(config: ResolvedConfig) {
			outDir = resolve(config.root, config.build.outDir);
		},
		closeBundle: {
			sequential: true,
			order: "post",
			async handler() {
				const files = (await filesUnder(outDir)).filter((file) => COMPRESSIBLE.test(file));
				await Promise.all(
					files.map(async (file) => {
						if ((await stat(file)).size < MIN_BYTES) return;
						const bytes = await readFile(file);
						const variants = await Promise.all([
							brotli(bytes, {
								params: {
									[constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
									[constants.BROTLI_PARAM_SIZE_HINT]: bytes.length
								}
							}).then((compressed) => ({ suffix: ".br", compressed })),
							gzipAsync(bytes, { level: 9 }).then((compressed) => ({ suffix: ".gz", compressed }))
						]);
						for (const { suffix, compressed } of variants) {
							if (compressed.length < bytes.length) await writeFile(file + suffix, compressed);
						}
					})
				);
			}
		}
	};
}
