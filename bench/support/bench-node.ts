import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../broker.config";
import { migrateDatabase } from "../../lib/db/migrator";
import { startNode, type EtudeNode } from "../../lib/node";
import { createScratchDatabase } from "../../test/support/postgres";

export interface BenchNode {
	node: EtudeNode;
	baseUrl: string;
	databaseUrl: string;
	/** Stops the node and drops its scratch database and data folder. */
	stop(): Promise<void>;
}

/** A whole node, as production runs it, on a fresh migrated scratch database and a free port. */
export async function startBenchNode(name: string): Promise<BenchNode> {
	const database = await createScratchDatabase(`etude_bench_${name}`);
	const dataDir = await mkdtemp(path.join(os.tmpdir(), `etude-bench-${name}-`));
	await migrateDatabase(database.url);
	const node = await startNode(
		loadConfig({
			NODE_ENV: "production",
			PORT: "0",
			DATABASE_URL: database.url,
			DATA_DIR: dataDir,
			LOG_LEVEL: "warn",
			RATE_LIMIT_PER_MINUTE: "0",
			JWT_SECRET: "bench-secret-that-is-long-enough-for-hs256-signing",
			// Requests are timed after minutes of setup.
			ACCESS_TOKEN_TTL_SECONDS: "86400"
		})
	);
	const api = node.broker.getLocalService("api") as unknown as { server: { address(): { port: number } } };
	return {
		node,
		baseUrl: `http://127.0.0.1:${api.server.address().port}`,
		databaseUrl: database.url,
		async stop() {
			await node.stop();
			await rm(dataDir, { recursive: true, force: true });
			await database.drop();
		}
	};
}

export function percentile(sortedMs: number[], fraction: number): number {
	return sortedMs[Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length))]!;
}

/** `count` sequential runs after ten warm-up runs, in milliseconds, sorted. */
export async function timedSamples(count: number, run: () => Promise<unknown>): Promise<number[]> {
	for (let warmUp = 0; warmUp < 10; warmUp++) await run();
	const samples: number[] = [];
	for (let index = 0; index < count; index++) {
		const started = performance.now();
		await run();
		samples.push(performance.now() - started);
	}
	return samples.sort((a, b) => a - b);
}
