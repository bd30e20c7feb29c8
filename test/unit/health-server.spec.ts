import type { AddressInfo } from "node:net";
import { ServiceBroker } from "moleculer";
import { afterAll, describe, expect, it } from "vitest";
import { startHealthServer } from "../../lib/health-server";

describe("the health server of a node without the gateway", () => {
	const broker = new ServiceBroker({ logger: false, nodeID: "worker-under-test" });
	let baseUrl: string;
	afterAll(() => broker.stop());

	it("answers 503 until the broker has started, then 200; liveness answers throughout", async () => {
		const server = await startHealthServer(broker, "127.0.0.1", 0);
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		try {
			const starting = await fetch(`${baseUrl}/api/health`);
			expect(starting.status).toBe(503);
			expect((await starting.json()).status).toBe("starting");
			expect((await fetch(`${baseUrl}/api/health/live`)).status).toBe(200);
			await broker.start();
			const health = await fetch(`${baseUrl}/api/health`);
			expect(health.status).toBe(200);
			expect(await health.json()).toEqual({ status: "ok", nodeID: "worker-under-test", transporter: { connected: true } });
			expect((await fetch(`${baseUrl}/api/health/ready`)).status).toBe(200);
			expect((await fetch(`${baseUrl}/api/sessions`)).status).toBe(404);
		} finally {
			server.close();
		}
	});
});
