import { randomUUID } from "node:crypto";
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { brokerOptions } from "../../moleculer.config";

/**
 * The durable channels every worker relies on, against real NATS JetStream: a message is
 * redelivered until handled, and lands in the dead-letter queue after the retries run out.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const received: Array<{ id: string; attempt: number }> = [];
const deadLetters: string[] = [];
let broker: ServiceBroker;

beforeAll(async () => {
	const config = loadConfig({ TRANSPORTER: NATS_URL, NAMESPACE: `chan-${randomUUID().slice(0, 8)}`, LOG_LEVEL: "silent", CHANNEL_MAX_DELIVERIES: "2" });
	broker = new ServiceBroker({ ...brokerOptions(config), skipProcessEventRegistration: true });
	const attempts = new Map<string, number>();
	broker.createService({
		name: "worker",
		channels: {
			"test.jobs": {
				group: "workers",
				handler(ctx: { params: { id: string; failTimes: number } }) {
					const attempt = (attempts.get(ctx.params.id) ?? 0) + 1;
					attempts.set(ctx.params.id, attempt);
					received.push({ id: ctx.params.id, attempt });
					if (attempt <= ctx.params.failTimes) throw new Error(`attempt ${attempt} fails on purpose`);
				}
			},
			DEAD_LETTER: {
				group: "inspectors",
				handler(ctx: { params: { id: string } }) {
					deadLetters.push(ctx.params.id);
				}
			}
		}
	});
	await broker.start();
});
afterAll(() => broker.stop());

async function until(condition: () => boolean): Promise<void> {
	for (let i = 0; i < 150 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe("durable channels on NATS JetStream", () => {
	it("redelivers a job whose handler failed until it succeeds", async () => {
		await broker.sendToChannel("test.jobs", { id: "flaky", failTimes: 1 });
		await until(() => received.filter((r) => r.id === "flaky").length === 2);
		expect(received.filter((r) => r.id === "flaky").map((r) => r.attempt)).toEqual([1, 2]);
	});

	it("moves a job to the dead-letter queue after its last allowed delivery", async () => {
		await broker.sendToChannel("test.jobs", { id: "doomed", failTimes: 99 });
		await until(() => deadLetters.includes("doomed"));
		expect(deadLetters).toContain("doomed");
		expect(received.filter((r) => r.id === "doomed").length).toBe(2);
	});
});

describe("replicas of one group starting together", () => {
	it("all subscribe to a durable channel none of them has created yet", async () => {
		const config = loadConfig({ TRANSPORTER: NATS_URL, NAMESPACE: `replicas-${randomUUID().slice(0, 8)}`, LOG_LEVEL: "silent" });
		const replicas = Array.from({ length: 4 }, (_, index) => {
			const replica = new ServiceBroker({ ...brokerOptions({ ...config, nodeId: `replica-${index}` }), skipProcessEventRegistration: true });
			replica.createService({ name: "worker", channels: { "test.jobs": { group: "workers", handler() {} } } });
			return replica;
		});
		try {
			const started = await Promise.allSettled(replicas.map((replica) => replica.start()));
			expect(started.map((outcome) => (outcome.status === "rejected" ? String(outcome.reason) : "started"))).toEqual(replicas.map(() => "started"));
		} finally {
			await Promise.all(replicas.map((replica) => replica.stop()));
		}
	});
});
