import path from "node:path";
import type { EtudeConfig } from "../broker.config";
import { readOrCreateFile } from "./data-dir-file";
import { formatPiiKeys, newPiiKey, parsePiiKeys, type PiiKey } from "./pii";

/**
 * The personal-data keys: PII_KEYS when set; otherwise (the embedded default) one key generated
 * on first start into DATA_DIR/pii-keys, readable by the owner only, and kept there. Losing that
 * file loses every encrypted email: back it up with the database.
 */
export async function resolvePiiKeys(config: Pick<EtudeConfig, "piiKeys" | "dataDir">): Promise<PiiKey[]> {
	if (config.piiKeys) return config.piiKeys;
	const file = path.join(config.dataDir, "pii-keys");
	const content = await readOrCreateFile(file, () => `${formatPiiKeys([newPiiKey("local-1")])}\n`);
	try {
		return parsePiiKeys(content);
	} catch (error) {
		throw new Error(`${file}: ${(error as Error).message}`);
	}
}
