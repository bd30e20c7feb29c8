import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The content of `file`, first creating it (owner-readable only) from `generate()` if it does not
 * exist. Nodes starting together on one data folder all read the content the first of them wrote:
 * it is written whole under a name of its own, then hard-linked into place, which fails if the
 * file exists; so no node ever reads a half-written file or overwrites another's.
 */
export async function readOrCreateFile(file: string, generate: () => string): Promise<string> {
	try {
		return await readFile(file, "utf8");
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
	}
	await mkdir(path.dirname(file), { recursive: true });
	const draft = `${file}.${randomUUID()}.draft`;
	try {
		await writeFile(draft, generate(), { mode: 0o600, flag: "wx" });
		await link(draft, file).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== "EEXIST") throw error;
		});
	} finally {
		await rm(draft, { force: true });
	}
	return readFile(file, "utf8");
}
