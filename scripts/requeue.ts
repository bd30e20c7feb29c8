// npm run requeue -- <videoId> [<videoId> …]
// Recordings whose processing or analysis exhausted its retries (failed with ERR_PROCESSING_FAILED or
// ERR_ANALYSIS_FAILED) are queued again, once the cause (a full disk, a broken ffmpeg…) is fixed.
// Distributed (TRANSPORTER set): this joins the cluster as a client and asks the media and analytics
// services. Embedded default: stop the node first; this marks the work queued in its database, and the
// node picks it up when it starts again.
import { ServiceBroker } from "moleculer";
import { ConfigurationError, loadConfig } from "../broker.config";
import { startNode } from "../lib/node";
import { brokerOptions } from "../moleculer.config";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<void> {
	const videoIds = process.argv.slice(2);
	if (videoIds.length === 0 || !videoIds.every((id) => UUID.test(id))) {
		console.error("Usage: npm run requeue -- <videoId> [<videoId> …]   (recording ids, UUIDs)");
		process.exit(64);
	}
	const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" });
	const stop: Array<() => Promise<void>> = [];
	let broker: ServiceBroker;
	if (config.transporter) {
		broker = new ServiceBroker({ ...brokerOptions({ ...config, nodeId: `requeue-${process.pid}` }), skipProcessEventRegistration: true });
		await broker.start();
		stop.push(() => broker.stop());
		await broker.waitForServices(["media", "analytics"], 30_000);
	} else {
		// The services the two requeue actions need (analytics waits for auth and sessions).
		const node = await startNode({ ...config, services: ["auth", "practice", "media", "analytics"] });
		broker = node.broker;
		stop.push(() => node.stop());
	}
	try {
		const media: { requeued: string[] } = await broker.call("media.requeue", { videoIds });
		const analytics: { requeued: string[] } = await broker.call("analytics.requeue", { videoIds });
		console.log(`Processing queued again: ${media.requeued.length ? media.requeued.join(", ") : "none"}`);
		console.log(`Analysis queued again: ${analytics.requeued.length ? analytics.requeued.join(", ") : "none"}`);
		const untouched = videoIds.filter((id) => !media.requeued.includes(id) && !analytics.requeued.includes(id));
		if (untouched.length > 0) console.log(`Not failed after exhausting retries (left as they are): ${untouched.join(", ")}`);
	} finally {
		for (const step of stop) await step();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof ConfigurationError ? error.message : error);
	process.exit(error instanceof ConfigurationError ? 78 : 1);
});
