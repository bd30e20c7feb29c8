import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../broker.config";
import { startNode, type EtudeNode } from "../../lib/node";
import { freePort, TEST_PII_KEYS } from "./processes";

export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

export interface TestApi {
	node: EtudeNode;
	baseUrl: string;
	stop(): Promise<void>;
}

/** A whole Etude node on a free port against the given database, as production wires it. */
export async function startTestApi(databaseUrl: string, env: Record<string, string> = {}): Promise<TestApi> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-test-"));
	// A known port, so the addresses the node hands out (signed object URLs) point back at it.
	const port = await freePort();
	const config = loadConfig({
		NODE_ENV: "test",
		PORT: String(port),
		DATABASE_URL: databaseUrl,
		DATABASE_POOL_MAX: "5",
		JWT_SECRET: TEST_JWT_SECRET,
		PII_KEYS: TEST_PII_KEYS,
		LOG_LEVEL: "warn",
		RATE_LIMIT_PER_MINUTE: "0",
		NAMESPACE: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
		DATA_DIR: dataDir,
		...env
	});
	const node = await startNode(config);
	return {
		node,
		baseUrl: `http://127.0.0.1:${port}`,
		async stop() {
			await node.stop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

/** A node without the gateway (a worker) against the given database, as production wires it. */
export async function startTestWorker(databaseUrl: string, env: Record<string, string>): Promise<EtudeNode> {
	return startNode(
		loadConfig({
			NODE_ENV: "test",
			DATABASE_URL: databaseUrl,
			DATABASE_POOL_MAX: "3",
			JWT_SECRET: TEST_JWT_SECRET,
			PII_KEYS: TEST_PII_KEYS,
			LOG_LEVEL: "warn",
			...env
		})
	);
}
