import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { newPiiKey } from "./pii";
import { resolvePiiKeys } from "./pii-keys";

let dataDir: string | undefined;
afterEach(async () => {
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the personal-data keys", () => {
	it("are generated once into DATA_DIR in the embedded default, readable by the owner only, and kept", async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-pii-"));
		const first = await resolvePiiKeys({ dataDir });
		expect(first).toHaveLength(1);
		expect(first[0]!.secret).toHaveLength(32);
		const file = path.join(dataDir, "pii-keys");
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		const again = await resolvePiiKeys({ dataDir });
		expect(again[0]!.secret.equals(first[0]!.secret)).toBe(true);
		expect(await readFile(file, "utf8")).toContain(`${first[0]!.id}:`);
	});

	it("come from PII_KEYS when it is set, and nothing is written", async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-pii-"));
		const configured = [newPiiKey("k2"), newPiiKey("k1")];
		expect(await resolvePiiKeys({ dataDir, piiKeys: configured })).toBe(configured);
		await expect(stat(path.join(dataDir, "pii-keys"))).rejects.toThrow();
	});
});
