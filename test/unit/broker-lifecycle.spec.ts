import { ServiceBroker } from "moleculer";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { brokerOptions } from "../../moleculer.config";

describe("the broker Etude configures", () => {
	it("finishes requests in flight before it stops", async () => {
		const broker = new ServiceBroker({ ...brokerOptions(loadConfig({ LOG_LEVEL: "silent" })), skipProcessEventRegistration: true });
		broker.createService({
			name: "slow",
			actions: { work: () => new Promise((resolve) => setTimeout(() => resolve("done"), 300)) }
		});
		await broker.start();
		const inFlight = broker.call("slow.work");
		await new Promise((resolve) => setTimeout(resolve, 50));
		const stopped = broker.stop();
		await expect(inFlight).resolves.toBe("done");
		await stopped;
	});

	it("publishes Prometheus metrics when a port is configured", async () => {
		const broker = new ServiceBroker({
			...brokerOptions(loadConfig({ LOG_LEVEL: "silent", METRICS_PORT: "39191" })),
			skipProcessEventRegistration: true
		});
		await broker.start();
		try {
			const response = await fetch("http://127.0.0.1:39191/metrics");
			expect(response.status).toBe(200);
			expect(await response.text()).toMatch(/moleculer_node_type/);
		} finally {
			await broker.stop();
		}
	});
});
