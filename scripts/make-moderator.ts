// npm run make-moderator -- <email>
// Makes the account with this email a community moderator (how the first one is made; README,
// "Community"). Distributed (TRANSPORTER set): this joins the cluster as a client and asks the auth
// and community services. Embedded default: stop the node first; this starts the two groups on its
// database, appoints, and stops.
import { ServiceBroker } from "moleculer";
import { ConfigurationError, loadConfig } from "../broker.config";
import { startNode } from "../lib/node";
import { brokerOptions } from "../moleculer.config";

async function main(): Promise<void> {
	const email = process.argv[2];
	if (!email || process.argv.length !== 3) {
		console.error("Usage: npm run make-moderator -- <email>");
		process.exit(64);
	}
	const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" });
	const stop: Array<() => Promise<void>> = [];
	let broker: ServiceBroker;
	if (config.transporter) {
		broker = new ServiceBroker({ ...brokerOptions({ ...config, nodeId: `make-moderator-${process.pid}` }), skipProcessEventRegistration: true });
		await broker.start();
		stop.push(() => broker.stop());
		await broker.waitForServices(["auth", "community-moderation"], 30_000);
	} else {
		const node = await startNode({ ...config, services: ["auth", "community"] });
		broker = node.broker;
		stop.push(() => node.stop());
	}
	try {
		const account: { id: string } | null = await broker.call("auth.accountIdByEmail", { email });
		if (!account) {
			console.error(`No active account has the email ${email}`);
			process.exitCode = 65;
			return;
		}
		const { appointed }: { appointed: boolean } = await broker.call("community-moderation.appoint", { userId: account.id, grantedBy: "cli" });
		console.log(appointed ? `${email} is now a community moderator` : `${email} was already a community moderator`);
	} finally {
		for (const step of stop) await step();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof ConfigurationError ? error.message : error);
	process.exit(error instanceof ConfigurationError ? 78 : 1);
});
