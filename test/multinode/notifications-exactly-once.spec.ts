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
import { brokerOptions } from "../../moleculer.config";
import { frozenNodeHoldingUnsentReminders, seedDueReminders } from "../support/due-reminders";
import { eventually } from "../support/eventually";
import { createScratchDatabase } from "../support/postgres";
import { spawnEtudeNode, stopProcess } from "../support/processes";
import { startWebPushEndpoint } from "../support/web-push-endpoint";

/**
 * The exactly-once case end to end: two scheduling nodes and a notifications node over
 * NATS JetStream, 500 lesson reminders due in the same minute, each recipient with a browser
 * subscribed to a local push service (which checks VAPID and decrypts every payload). One
 * scheduling node is SIGKILLed while it holds claimed reminders; the survivor takes them over and
 * may publish some again under the same eventId. Every reminder must land once in the inbox and
 * arrive once at the push service.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REMINDERS = 500;
const LEASE_MS = 3000;
const logDir = mkdtempSync(path.join(os.tmpdir(), "etude-notifications-mn-"));
const namespace = `notifications-${randomUUID().slice(0, 8)}`;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let db: pg.Client;
let pushService: Awaited<ReturnType<typeof startWebPushEndpoint>>;
let observer: ServiceBroker;
const published: string[] = [];
const nodes = new Map<string, ChildProcess>();

function startNode(nodeId: string, services: string, env: Record<string, string> = {}): ChildProcess {
	const child = spawnEtudeNode(nodeId, logDir, {
		TRANSPORTER: NATS_URL,
		NAMESPACE: namespace,
		NODE_ID: nodeId,
		SERVICES: services,
		DATABASE_URL: database.url,
		JWT_SECRET: "notifications-multinode-secret-long-enough-for-hs256",
		REMINDER_LEASE_MS: String(LEASE_MS),
		...env
	});
	nodes.set(nodeId, child);
	return child;
}

/** Waits until `count` instances of a service have joined the cluster, as the test's own broker sees it. */
async function joined(service: string, count: number): Promise<void> {
	await eventually(
		() => observer.registry.getServiceList({ onlyAvailable: true }).filter((entry: { name: string }) => entry.name === service).length >= count || undefined,
		`${count} × ${service}; logs in ${logDir}`,
		90_000
	);
}

beforeAll(async () => {
	database = await createScratchDatabase("etude_notif_mn");
	await migrateDatabase(database.url);
	db = new pg.Client({ connectionString: database.url });
	await db.connect();
	pushService = await startWebPushEndpoint();
	const config = { ...loadConfig({ NODE_ENV: "test", TRANSPORTER: NATS_URL, NAMESPACE: namespace, NODE_ID: "test-observer", LOG_LEVEL: "warn" }), jwtSecret: "x".repeat(40) };
	observer = new ServiceBroker({ ...brokerOptions(config), skipProcessEventRegistration: true });
	// Counts what the scheduling nodes publish, in a consumer group of its own: copies show what the consumer had to drop.
	observer.createService({
		name: "reminder-counter",
		channels: { "lessons.reminder_due": { group: "multinode-observer", handler: (ctx: Context<{ eventId: string }>) => void published.push(ctx.params.eventId) } }
	});
	await observer.start();
	// One after another: JetStream consumers created by nodes starting at the same moment can clash.
	startNode("notifications-1", "notifications", { NODE_EXTRA_CA_CERTS: pushService.caFile });
	await joined("notifications-delivery", 1);
	startNode("scheduling-a", "scheduling");
	await joined("scheduling-reminders", 1);
	startNode("scheduling-b", "scheduling");
	await joined("scheduling-reminders", 2);
}, 240_000);

afterAll(async () => {
	await Promise.all([...nodes.values()].map((child) => stopProcess(child, "SIGTERM")));
	await observer?.stop();
	await db?.end();
	await database?.drop();
	await pushService?.close();
});

describe("lesson reminders from two scheduling nodes to the inbox and the browser", () => {
	it("delivers each of 500 reminders due in the same minute once, after a scheduling node is killed mid-way", async () => {
		// Due a few seconds ahead, so that every recipient's browser is subscribed before the first claim.
		const seriesId = await seedDueReminders(db, REMINDERS, new Date(Date.now() + 4000));
		const { rows: recipients } = await db.query<{ recipient_id: string; message_key: string }>("SELECT recipient_id, message_key FROM scheduled_messages WHERE series_id = $1", [seriesId]);
		const subscriptionOf = new Map<string, string>();
		for (const { recipient_id: recipientId } of recipients) {
			const subscription = pushService.subscribe();
			subscriptionOf.set(subscription.id, recipientId);
			await db.query("INSERT INTO web_push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)", [recipientId, subscription.endpoint, subscription.keys.p256dh, subscription.keys.auth]);
		}

		const victim = await eventually(
			() => frozenNodeHoldingUnsentReminders(db, seriesId, nodes),
			"a scheduling node holding unsent reminders",
			60_000
		);
		await stopProcess(nodes.get(victim)!, "SIGKILL");
		nodes.delete(victim);

		const scheduled = await eventually(
			async () => {
				const { rows } = await db.query("SELECT message_key, sent_at, claims FROM scheduled_messages WHERE series_id = $1", [seriesId]);
				return rows.every((row) => row.sent_at) ? rows : undefined;
			},
			"every reminder published",
			120_000
		);
		await eventually(async () => {
			const { rows } = await db.query("SELECT count(*)::int AS n FROM push_deliveries WHERE status = 'pending'");
			return pushService.received.length >= REMINDERS && rows[0].n === 0 ? true : undefined;
		}, "every push sent", 120_000);

		// The inbox: one row per reminder, under its key, for its recipient.
		const { rows: inbox } = await db.query<{ recipient_id: string; dedupe_key: string }>("SELECT recipient_id, dedupe_key FROM notifications WHERE category = 'lesson_reminder'");
		expect(inbox).toHaveLength(REMINDERS);
		expect(new Set(inbox.map((row) => row.dedupe_key))).toEqual(new Set(recipients.map((row) => row.message_key)));
		// The browser: one push per subscription, decrypted, for the right person and lesson.
		const perSubscription = new Map<string, number>();
		for (const push of pushService.received) {
			perSubscription.set(push.subscriptionId, (perSubscription.get(push.subscriptionId) ?? 0) + 1);
			expect(push.payload).toMatchObject({ category: "lesson_reminder", title: "Orchestra rehearsal", link: { lessonId: seriesId } });
			expect(push.ttl).toBeLessThanOrEqual(3600);
		}
		expect(pushService.refused).toEqual([]);
		expect(pushService.received).toHaveLength(REMINDERS);
		expect([...perSubscription.values()].every((count) => count === 1)).toBe(true);
		expect(perSubscription.size).toBe(REMINDERS);
		const { rows: deliveries } = await db.query("SELECT status, count(*)::int AS n FROM push_deliveries GROUP BY status");
		expect(deliveries).toEqual([{ status: "sent", n: REMINDERS }]);
		const takenOver = scheduled.filter((row) => row.claims > 1).length;
		expect(takenOver).toBeGreaterThan(0);
		await eventually(() => new Set(published).size >= REMINDERS || undefined, "the observer's copies", 60_000);
		const copies = published.length - new Set(published).size;
		console.warn(`${REMINDERS} reminders: ${takenOver} taken over from ${victim}, ${copies} published twice (same eventId); ${inbox.length} inbox rows, ${pushService.received.length} pushes received`);
	});

	it("a notifications node SIGKILLed while sending leaves nothing unsent: its messages and claimed pushes go to the next node, copies only of pushes it had claimed", async () => {
		const seriesId = await seedDueReminders(db, REMINDERS, new Date(Date.now() + 4000));
		const { rows: recipients } = await db.query<{ recipient_id: string }>("SELECT recipient_id FROM scheduled_messages WHERE series_id = $1", [seriesId]);
		const batch = new Set<string>();
		for (const { recipient_id: recipientId } of recipients) {
			const subscription = pushService.subscribe();
			batch.add(subscription.id);
			await db.query("INSERT INTO web_push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)", [recipientId, subscription.endpoint, subscription.keys.p256dh, subscription.keys.auth]);
		}
		const ofBatch = () => pushService.received.filter((push) => batch.has(push.subscriptionId));
		await eventually(() => ofBatch().length >= REMINDERS / 5 || undefined, "a fifth of the batch pushed", 60_000);
		await stopProcess(nodes.get("notifications-1")!, "SIGKILL");
		nodes.delete("notifications-1");
		const receivedBeforeKill = ofBatch().length;
		startNode("notifications-2", "notifications", { NODE_EXTRA_CA_CERTS: pushService.caFile });

		await eventually(async () => {
			const { rows } = await db.query("SELECT count(*)::int AS n FROM push_deliveries d JOIN web_push_subscriptions s ON s.endpoint = d.target WHERE d.status = 'pending' AND s.user_id = ANY($1)", [recipients.map((row) => row.recipient_id)]);
			return new Set(ofBatch().map((push) => push.subscriptionId)).size >= REMINDERS && rows[0].n === 0 ? true : undefined;
		}, "every push of the batch sent", 180_000);
		const { rows: inbox } = await db.query("SELECT count(*)::int AS n FROM notifications WHERE recipient_id = ANY($1)", [recipients.map((row) => row.recipient_id)]);
		expect(inbox[0].n).toBe(REMINDERS);
		const { rows: retaken } = await db.query(
			"SELECT count(*)::int AS n FROM push_deliveries WHERE recipient_id = ANY($1) AND attempts > 1",
			[recipients.map((row) => row.recipient_id)]
		);
		const copies = ofBatch().length - REMINDERS;
		// A push is sent again only if the killed node had claimed it (attempts > 1), never otherwise.
		expect(copies).toBeLessThanOrEqual(retaken[0].n);
		expect(pushService.refused).toEqual([]);
		console.warn(`notifications node killed after ${receivedBeforeKill} of ${REMINDERS} pushes: ${retaken[0].n} claimed pushes retaken after the lease, ${copies} pushes received twice, ${inbox[0].n} inbox rows`);
	});
});
