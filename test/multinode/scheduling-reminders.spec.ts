import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker, type Context } from "moleculer";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { migrateDatabase } from "../../lib/db/migrator";
import type { DomainEvent } from "../../lib/domain-events";
import { brokerOptions } from "../../moleculer.config";
import { frozenNodeHoldingUnsentReminders, seedDueReminders } from "../support/due-reminders";
import { createScratchDatabase } from "../support/postgres";
import { spawnEtudeNode, stopProcess } from "../support/processes";

/**
 * Two scheduling nodes over NATS JetStream publish many reminders due in the same second; one is
 * SIGKILLed while it holds claimed, unpublished (or published but unmarked) reminders. The other
 * takes them over when their lease ends. A consumer of lessons.reminder_due counts what arrives
 * by eventId: every reminder at least once, a copy only under the same eventId, and never more
 * copies of a reminder than times it was claimed.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REMINDERS = 2000;
const LEASE_MS = 3000;
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-scheduling-mn-"));
const namespace = `scheduling-${randomUUID().slice(0, 8)}`;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let db: pg.Client;
let consumer: ServiceBroker;
const nodes = new Map<string, ChildProcess>();
const deliveries: Array<DomainEvent<"lessons.reminder_due">> = [];

function startSchedulingNode(nodeId: string): ChildProcess {
	const child = spawnEtudeNode(nodeId, logDir, {
		TRANSPORTER: NATS_URL,
		NAMESPACE: namespace,
		NODE_ID: nodeId,
		SERVICES: "scheduling",
		DATABASE_URL: database.url,
		JWT_SECRET: "scheduling-multinode-secret-long-enough-for-hs256",
		REMINDER_LEASE_MS: String(LEASE_MS)
	});
	nodes.set(nodeId, child);
	return child;
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000, everyMs = 50): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; logs in ${logDir}`);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}

beforeAll(async () => {
	database = await createScratchDatabase("etude_sched_mn");
	await migrateDatabase(database.url);
	db = new pg.Client({ connectionString: database.url });
	await db.connect();
	const config = { ...loadConfig({ NODE_ENV: "test", TRANSPORTER: NATS_URL, NAMESPACE: namespace, NODE_ID: "test-consumer", LOG_LEVEL: "warn" }), jwtSecret: "x".repeat(40) };
	consumer = new ServiceBroker({ ...brokerOptions(config), skipProcessEventRegistration: true });
	consumer.createService({
		name: "reminder-counter",
		channels: {
			"lessons.reminder_due": {
				group: "multinode-test",
				handler: (ctx: Context<DomainEvent<"lessons.reminder_due">>) => void deliveries.push(ctx.params)
			}
		}
	});
	await consumer.start();
	startSchedulingNode("scheduling-a");
	startSchedulingNode("scheduling-b");
	await waitFor(() => {
		const running = consumer.registry.getServiceList({ onlyAvailable: true }).filter((service: { name: string }) => service.name === "scheduling-reminders");
		return running.length >= 2 ? running : undefined;
	}, "both scheduling nodes");
}, 120_000);

afterAll(async () => {
	await Promise.all([...nodes.values()].map((child) => stopProcess(child, "SIGTERM")));
	await consumer?.stop();
	await db?.end();
	await database?.drop();
});

describe("reminders over two scheduling nodes", () => {
	it("publishes every reminder after one node is killed mid-way, each under its own key, none marked sent twice", async () => {
		// Many reminders due in the same second, as many students of one lesson would have.
		const seriesId = await seedDueReminders(db, REMINDERS, "now");

		// Kill A the moment it holds a lease on reminders it has not marked sent, after it has sent some.
		const victim = await waitFor(
			() => frozenNodeHoldingUnsentReminders(db, seriesId, nodes),
			"a node holding unsent reminders",
			60_000,
			2
		);
		await stopProcess(nodes.get(victim)!, "SIGKILL");
		nodes.delete(victim);
		const survivor = [...nodes.keys()][0]!;

		const rows = await waitFor(
			async () => {
				const result = await db.query("SELECT message_key, sent_at, sent_by, skipped_at, claims FROM scheduled_messages WHERE series_id = $1", [seriesId]);
				return result.rows.every((row) => row.sent_at) ? result.rows : undefined;
			},
			"every reminder marked sent",
			90_000
		);
		const keys = new Set(rows.map((row) => row.message_key as string));
		await waitFor(() => (new Set(deliveries.map((message) => message.eventId)).size >= keys.size ? true : undefined), "every reminder delivered", 60_000);

		// Every reminder arrived, each copy under the reminder's own key.
		const received = new Map<string, number>();
		for (const message of deliveries) {
			expect(message.reminderKey).toBe(message.eventId);
			expect(message.lessonId).toBe(seriesId);
			received.set(message.eventId, (received.get(message.eventId) ?? 0) + 1);
		}
		expect(new Set(received.keys())).toEqual(keys);
		// Marked sent once each (sent_at is only ever set on an unsent row), never skipped.
		expect(rows.every((row) => row.skipped_at === null)).toBe(true);
		// Copies only of reminders the killed node had claimed; never more copies than claims.
		for (const row of rows) expect(received.get(row.message_key)!, row.message_key).toBeLessThanOrEqual(row.claims);
		const takenOver = rows.filter((row) => row.claims > 1);
		expect(takenOver.length).toBeGreaterThan(0);
		expect(takenOver.every((row) => row.sent_by === survivor)).toBe(true);
		const copies = deliveries.length - keys.size;
		expect(copies).toBeLessThanOrEqual(takenOver.length);
		console.warn(`${REMINDERS} reminders: ${takenOver.length} taken over from ${victim} by ${survivor}, ${copies} delivered twice (same eventId)`);
	});
});
