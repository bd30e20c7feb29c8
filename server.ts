import { ConfigurationError, loadConfig } from "./broker.config";
import { startNode } from "./lib/node";
import { SHUTDOWN_LIMIT_MS } from "./moleculer.config";

async function main(): Promise<void> {
	const config = loadConfig();
	const node = await startNode(config);
	const logger = node.broker.getLogger("server");
	if (config.services.includes("api")) {
		logger.info(`Etude is running at http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}`);
	}

	let stopping = false;
	const shutdown = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		logger.info(`${signal} received: finishing requests in flight, then stopping`);
		// Whatever is still running then (a stuck connection, a hash, a transcode) is dropped: durable
		// work is redelivered to another node or re-queued from the database at the next start.
		setTimeout(() => {
			logger.error(`Still stopping after ${SHUTDOWN_LIMIT_MS} ms: exiting now`);
			process.exit(1);
		}, SHUTDOWN_LIMIT_MS).unref();
		try {
			await node.stop();
			process.exit(0);
		} catch (error) {
			logger.error("Shutdown failed", error);
			process.exit(1);
		}
	};
	process.on("SIGTERM", () => void shutdown("SIGTERM"));
	process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
	if (error instanceof ConfigurationError) {
		console.error(error.message);
		process.exit(78);
	}
	console.error("Etude failed to start:", error);
	process.exit(1);
});
