import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readOrCreateFile } from "./data-dir-file";

let dataDir: string | undefined;
afterEach(async () => {
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("a file created once in the data folder", () => {
	it("is read whole by every caller racing to create it, each getting the one content written first", async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-once-"));
		const file = path.join(dataDir, "secret");
		// Large enough that writing it takes many system calls: a reader must never see a part.
		const contents = await Promise.all(Array.from({ length: 20 }, () => readOrCreateFile(file, () => randomUUID().repeat(200_000))));
		expect(new Set(contents).size).toBe(1);
		expect(contents[0]).toHaveLength(36 * 200_000);
		expect(await readdir(dataDir)).toEqual(["secret"]);
		expect((await stat(file)).mode & 0o777).toBe(0o600);
	});

	it("is kept: a later caller reads it and generates nothing", async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-once-"));
		const file = path.join(dataDir, "nested", "secret");
		const first = await readOrCreateFile(file, () => "first");
		expect(await readOrCreateFile(file, () => "second")).toBe(first);
	});
});
