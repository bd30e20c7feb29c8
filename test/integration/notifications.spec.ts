import { randomUUID } from "node:crypto";
import { Agent } from "node:https";
import type { Service } from "moleculer";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishDomainEvent, type DomainChannel, type DomainEventPayloads } from "../../lib/domain-events";
import { webPushSender, type DevicePushAdapter, type PushMessage } from "../../services/notifications/push-senders";
import { httpClient, type Account } from "../support/http-client";
import { eventually as waitFor } from "../support/eventually";
import { startTestApi, type TestApi } from "../support/test-node";
import { startWebPushEndpoint } from "../support/web-push-endpoint";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Notifications over HTTP against real PostgreSQL: triggers on durable channels become inbox rows
 * and pushes to a local Web Push service that checks VAPID and decrypts the payload as a browser
 * would; redeliveries, stale reminders, reads before the push, 404/410, preferences, quiet hours
 * in the recipient's zone, and authorization with real entities of other people.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Pool;
let pushService: Awaited<ReturnType<typeof startWebPushEndpoint>>;
let delivery: Service & Record<string, any>;
const devicePushes: Array<{ token: string; message: PushMessage }> = [];

let student: Account;
let teacher: Account;
let other: Account;

async function publish<C extends DomainChannel>(channel: C, payload: DomainEventPayloads[C], eventId: string = randomUUID()): Promise<string> {
	await publishDomainEvent(api.node.broker, channel, payload, { eventId });
	return eventId;
}

async function inboxRows(recipientId: string, dedupeKey: string) {
	return (await database.query("SELECT * FROM notifications WHERE recipient_id = $1 AND dedupe_key = $2", [recipientId, dedupeKey])).rows;
}

async function deliveriesOf(dedupeKey: string) {
	return (await database.query("SELECT d.* FROM push_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.dedupe_key = $1", [dedupeKey])).rows;
}

async function subscribe(account: Account) {
	const subscription = pushService.subscribe();
	const response = await http.request("POST", "/api/notifications/web-push-subscriptions", { token: account.token, body: { ...subscription, id: undefined, expirationTime: null } });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return subscription;
}

const reminder = (recipientId: string, startsInMs: number, minutesBefore = 60): DomainEventPayloads["lessons.reminder_due"] => {
	const startsAt = new Date(Date.now() + startsInMs).toISOString();
	return { reminderKey: randomUUID(), lessonId: randomUUID(), recipientId, occurrenceStart: startsAt, startsAt, title: "Cello with Ms Lee", minutesBefore };
};

beforeAll(async () => {
	const databaseUrl = testDatabaseUrl();
	pushService = await startWebPushEndpoint();
	api = await startTestApi(databaseUrl);
	http = httpClient(api.baseUrl);
	database = new pg.Pool({ connectionString: databaseUrl, max: 2 });
	[student, teacher, other] = await Promise.all([http.register("student", "Nina"), http.register("teacher", "Ms Lee"), http.register("student", "Omar")]);
	delivery = api.node.broker.getLocalService("notifications-delivery") as Service & Record<string, any>;
	// The stand-in's certificate is made for this run; the sender is the production one with an agent trusting it.
	delivery.sendWebPush = webPushSender(api.node.config.vapid!, { agent: new Agent({ ca: pushService.ca }) });
	// A device route standing in for FCM (the adapters themselves are tested against their own stand-ins).
	const recordingAdapter: DevicePushAdapter = {
		platform: "android",
		send: async (token, message) => (devicePushes.push({ token, message }), { status: "sent" }),
		close: async () => undefined
	};
	delivery.deviceAdapters.set("android", recordingAdapter);
}, 60_000);

afterAll(async () => {
	await api?.stop();
	await database?.end();
	await pushService?.close();
});

describe("from trigger to inbox and push", () => {
	it("a lesson reminder lands once in the inbox and once at the browser, encrypted, VAPID-signed, with a TTL within the time left", async () => {
		const subscription = await subscribe(student);
		const event = reminder(student.id, 30 * 60_000);
		const eventId = await publish("lessons.reminder_due", event, event.reminderKey);
		const push = await waitFor(() => pushService.received.find((candidate) => candidate.payload.link?.lessonId === event.lessonId), "the push");
		expect(push.subscriptionId).toBe(subscription.id);
		expect(push.payload).toMatchObject({ title: "Cello with Ms Lee", body: "Starts in 1 hour", category: "lesson_reminder", link: { screen: "lessons", lessonId: event.lessonId } });
		expect(push.ttl).toBeGreaterThan(0);
		expect(push.ttl).toBeLessThanOrEqual(30 * 60);
		expect(push.urgency).toBe("high");
		expect(push.topic).toBe(push.payload.tag);
		expect(push.vapid.publicKey).toBe((await http.request("GET", "/api/notifications/web-push-key", { token: student.token })).body.publicKey);
		expect(push.vapid.subject).toMatch(/^mailto:/);

		// The same event again (a redelivery, or the scheduler publishing after a crash): nothing new.
		await publish("lessons.reminder_due", event, eventId);
		const marker = reminder(student.id, 30 * 60_000);
		await publish("lessons.reminder_due", marker, marker.reminderKey);
		await waitFor(() => pushService.received.find((candidate) => candidate.payload.link?.lessonId === marker.lessonId), "a later push");
		expect(await inboxRows(student.id, eventId)).toHaveLength(1);
		expect(pushService.received.filter((candidate) => candidate.payload.link?.lessonId === event.lessonId)).toHaveLength(1);
		expect((await deliveriesOf(eventId)).map((row) => row.status)).toEqual(["sent"]);
		expect(pushService.refused).toEqual([]);
	});

	it("a reminder whose lesson has begun is never delivered", async () => {
		const late = reminder(student.id, -60_000);
		await publish("lessons.reminder_due", late, late.reminderKey);
		const marker = reminder(student.id, 30 * 60_000);
		await publish("lessons.reminder_due", marker, marker.reminderKey);
		await waitFor(async () => (await inboxRows(student.id, marker.reminderKey)).length === 1, "the later reminder");
		expect(await inboxRows(student.id, late.reminderKey)).toEqual([]);
	});

	it("a push waiting for a retry is dropped once the notification was read in the app", async () => {
		const subscription = await subscribe(other);
		pushService.answer(subscription.id, 503);
		const eventId = await publish("assignments.created", { assignmentId: randomUUID(), teacherId: teacher.id, studentId: other.id, title: "Scales in thirds", dueAt: null });
		const [row] = await waitFor(async () => {
			const rows = await deliveriesOf(eventId);
			return rows[0]?.attempts === 1 && rows[0].lease_until === null ? rows : undefined;
		}, "the first attempt");
		expect(row).toMatchObject({ status: "pending", last_error: expect.stringMatching(/^503/) });
		const [notification] = await inboxRows(other.id, eventId);
		expect((await http.request("POST", `/api/notifications/${notification.id}/read`, { token: other.token })).status).toBe(200);
		await database.query("UPDATE push_deliveries SET not_before = now() WHERE notification_id = $1", [notification.id]);
		await delivery.sendDue([notification.id]);
		expect((await deliveriesOf(eventId))[0]).toMatchObject({ status: "suppressed", attempts: 2 });
	});

	it("removes a subscription the push service calls gone (410), and keeps it on a 5xx", async () => {
		const gone = await subscribe(teacher);
		pushService.answer(gone.id, 410);
		const eventId = await publish("feedback.created", {
			feedbackId: randomUUID(),
			authorId: student.id,
			recipientIds: [teacher.id],
			studentId: student.id,
			sessionId: randomUUID(),
			videoId: null,
			tMs: null,
			excerpt: "Thank you!",
			parentId: randomUUID()
		});
		await waitFor(async () => (await deliveriesOf(eventId))[0]?.status === "gone", "the delivery marked gone");
		expect((await database.query("SELECT 1 FROM web_push_subscriptions WHERE endpoint = $1", [gone.endpoint])).rows).toEqual([]);
		expect((await database.query("SELECT 1 FROM web_push_subscriptions WHERE user_id = $1", [other.id])).rows).toHaveLength(1);
	});
	it("never pushes one person's notice to a browser now subscribed by someone else, and leaves that person's subscription alone", async () => {
		const [first, second] = await Promise.all([http.register("student", "Uma"), http.register("student", "Viktor")]);
		const shared = await subscribe(first);
		pushService.answer(shared.id, 503);
		const eventId = await publish("goals.set", { goalId: randomUUID(), teacherId: teacher.id, studentId: first.id, minutesPerWeek: 60, daysPerWeek: 3 });
		await waitFor(async () => (await deliveriesOf(eventId))[0]?.attempts === 1 && (await deliveriesOf(eventId))[0].lease_until === null, "the first attempt");
		// The browser is now signed in as someone else, who turns push on.
		await http.request("POST", "/api/notifications/web-push-subscriptions", { token: second.token, body: { endpoint: shared.endpoint, keys: shared.keys } });
		const [row] = await deliveriesOf(eventId);
		await database.query("UPDATE push_deliveries SET not_before = now() WHERE notification_id = $1", [row.notification_id]);
		await delivery.sendDue([row.notification_id]);
		expect((await deliveriesOf(eventId))[0]).toMatchObject({ status: "gone", last_error: "subscription removed" });
		expect((await database.query("SELECT user_id FROM web_push_subscriptions WHERE endpoint = $1", [shared.endpoint])).rows).toEqual([{ user_id: second.id }]);
	});
});

describe("preferences and quiet hours", () => {
	it("a switched-off channel gets no push, while a lesson cancellation cannot be switched off", async () => {
		const person = await http.register("student", "Pia");
		await subscribe(person);
		const off = await http.request("PUT", "/api/notifications/preferences", { token: person.token, body: { switches: [{ category: "goal", channel: "web", enabled: false }] } });
		expect(off.status).toBe(200);
		expect(off.body.categories.find((entry: any) => entry.category === "goal")).toEqual({ category: "goal", locked: false, channels: { web: false, device: true } });
		const locked = await http.request("PUT", "/api/notifications/preferences", { token: person.token, body: { switches: [{ category: "lesson_cancelled", channel: "web", enabled: false }] } });
		expect(locked).toMatchObject({ status: 422, body: { code: "ERR_CATEGORY_LOCKED" } });

		const goal = await publish("goals.set", { goalId: randomUUID(), teacherId: teacher.id, studentId: person.id, minutesPerWeek: 120, daysPerWeek: 5 });
		const cancelled = await publish("lessons.changed", { lessonId: randomUUID(), occurrenceStart: new Date().toISOString(), change: "cancelled", recipientIds: [person.id], title: "Theory", startsAt: null });
		await waitFor(async () => (await deliveriesOf(cancelled))[0]?.status === "sent", "the cancellation pushed");
		expect(await inboxRows(person.id, goal)).toHaveLength(1);
		expect(await deliveriesOf(goal)).toEqual([]);
	});

	it("quiet hours in the recipient's own zone hold device pushes until they end, web pushes go at once", async () => {
		const person = await http.register("student", "Quentin"); // Europe/Vienna
		await subscribe(person);
		const installationId = `install-${randomUUID()}`;
		const device = await http.request("POST", "/api/notifications/devices", { token: person.token, body: { installationId, platform: "android", token: `fcm-token:${"x".repeat(40)}` } });
		expect(device.status, JSON.stringify(device.body)).toBe(200);
		const viennaHour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Vienna", hour: "2-digit", hourCycle: "h23" }).format(new Date()));
		const hh = (hour: number) => `${String(hour % 24).padStart(2, "0")}:00`;
		const quiet = await http.request("PUT", "/api/notifications/preferences", { token: person.token, body: { quietHours: { startsLocal: hh(viennaHour), endsLocal: hh(viennaHour + 2) } } });
		expect(quiet.body.quietHours).toEqual({ startsLocal: hh(viennaHour), endsLocal: hh(viennaHour + 2) });

		const eventId = await publish("analytics.metrics_ready", { videoId: randomUUID(), sessionId: randomUUID(), studentId: person.id });
		const rows = await waitFor(async () => {
			const found = await deliveriesOf(eventId);
			return found.find((row) => row.channel === "web")?.status === "sent" ? found : undefined;
		}, "the web push");
		const held = rows.find((row) => row.channel === "device")!;
		expect(held.status).toBe("pending");
		const releaseInVienna = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Vienna", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(held.not_before);
		expect(releaseInVienna).toBe(hh(viennaHour + 2));
		expect(devicePushes.filter((push) => push.message.notificationId === held.notification_id)).toEqual([]);

		// When the window ends the push goes, with a fresh TTL.
		await database.query("UPDATE push_deliveries SET not_before = now() WHERE notification_id = $1 AND channel = 'device'", [held.notification_id]);
		await delivery.sendDue([held.notification_id]);
		expect(devicePushes.find((push) => push.message.notificationId === held.notification_id)).toMatchObject({ token: `fcm-token:${"x".repeat(40)}`, message: { urgency: "low", title: "Your recording is analysed" } });
	});
});

describe("the inbox API", () => {
	it("pages newest first with the unseen count; opening marks seen, a click marks read, and read-all reads the rest", async () => {
		const person = await http.register("teacher", "Rita");
		const eventIds: string[] = [];
		for (const title of ["One", "Two", "Three"]) {
			eventIds.push(await publish("community.answered", { postId: randomUUID(), answerId: randomUUID(), authorId: student.id, recipientId: person.id, title }));
			await waitFor(async () => (await inboxRows(person.id, eventIds.at(-1)!)).length === 1, title);
		}
		const peek = await http.request("GET", "/api/notifications?markSeen=false&pageSize=2", { token: person.token });
		expect(peek.body).toMatchObject({ unseenCount: 3, page: 1, pageSize: 2, hasMore: true });
		expect(peek.body.items.map((item: any) => item.body)).toEqual(["Three", "Two"]);
		const opened = await http.request("GET", "/api/notifications?pageSize=2", { token: person.token });
		expect(opened.body.unseenCount).toBe(3);
		const again = await http.request("GET", "/api/notifications?page=2&pageSize=2", { token: person.token });
		expect(again.body).toMatchObject({ unseenCount: 0, hasMore: false });
		expect(again.body.items.map((item: any) => [item.body, item.seenAt !== null, item.readAt])).toEqual([["One", true, null]]);

		const clicked = await http.request("POST", `/api/notifications/${peek.body.items[0].id}/read`, { token: person.token });
		expect(clicked.body).toMatchObject({ body: "Three", readAt: expect.any(String) });
		expect((await http.request("POST", "/api/notifications/read-all", { token: person.token })).body).toEqual({ updated: 2 });
	});

	it("nobody reads or marks another person's notification", async () => {
		const eventId = await publish("assignments.created", { assignmentId: randomUUID(), teacherId: teacher.id, studentId: student.id, title: "Etude no. 3", dueAt: null });
		const [row] = await waitFor(async () => ((await inboxRows(student.id, eventId)).length ? inboxRows(student.id, eventId) : undefined), "the row");
		const foreign = await http.request("POST", `/api/notifications/${row.id}/read`, { token: other.token });
		expect(foreign).toMatchObject({ status: 404, body: { code: "ERR_NOTIFICATION_NOT_FOUND" } });
		expect((await http.request("POST", `/api/notifications/${randomUUID()}/read`, { token: other.token })).body.code).toBe("ERR_NOTIFICATION_NOT_FOUND");
		const list = await http.request("GET", "/api/notifications?pageSize=100", { token: other.token });
		expect(list.body.items.map((item: any) => item.id)).not.toContain(row.id);
		await http.request("POST", "/api/notifications/read-all", { token: other.token });
		expect((await inboxRows(student.id, eventId))[0].read_at).toBeNull();
		expect((await http.request("GET", "/api/notifications", {})).status).toBe(401);
	});

	it("one browser endpoint belongs to whoever subscribed it last; nobody unsubscribes another person's", async () => {
		const subscription = pushService.subscribe();
		const body = { endpoint: subscription.endpoint, keys: subscription.keys };
		await http.request("POST", "/api/notifications/web-push-subscriptions", { token: teacher.token, body });
		await http.request("POST", "/api/notifications/web-push-subscriptions", { token: other.token, body });
		expect((await database.query("SELECT user_id FROM web_push_subscriptions WHERE endpoint = $1", [subscription.endpoint])).rows).toEqual([{ user_id: other.id }]);
		expect((await http.request("DELETE", "/api/notifications/web-push-subscriptions", { token: teacher.token, body: { endpoint: subscription.endpoint } })).status).toBe(204);
		expect((await database.query("SELECT user_id FROM web_push_subscriptions WHERE endpoint = $1", [subscription.endpoint])).rows).toHaveLength(1);
		expect((await http.request("DELETE", "/api/notifications/web-push-subscriptions", { token: other.token, body: { endpoint: subscription.endpoint } })).status).toBe(204);
		expect((await database.query("SELECT user_id FROM web_push_subscriptions WHERE endpoint = $1", [subscription.endpoint])).rows).toEqual([]);
	});

	it("refuses malformed subscriptions, device tokens of the other platform and bad quiet hours with stable codes", async () => {
		const bad = await http.request("POST", "/api/notifications/web-push-subscriptions", { token: student.token, body: { endpoint: "https://push.example.org/x", keys: { p256dh: "abc", auth: "def" } } });
		expect(bad).toMatchObject({ status: 422, body: { code: "ERR_WEB_PUSH_KEYS" } });
		expect((await http.request("POST", "/api/notifications/web-push-subscriptions", { token: student.token, body: { endpoint: "not a url" } })).status).toBe(422);
		const apnsToken = "a1".repeat(32);
		const asAndroid = await http.request("POST", "/api/notifications/devices", { token: student.token, body: { installationId: "installation-1", platform: "android", token: apnsToken } });
		expect(asAndroid).toMatchObject({ status: 422, body: { code: "ERR_DEVICE_TOKEN_FORMAT" } });
		const fcmAsIos = await http.request("POST", "/api/notifications/devices", { token: student.token, body: { installationId: "installation-1", platform: "ios", token: `fcm:${"y".repeat(60)}` } });
		expect(fcmAsIos.body.code).toBe("ERR_DEVICE_TOKEN_FORMAT");
		const ios = await http.request("POST", "/api/notifications/devices", { token: student.token, body: { installationId: "installation-1", platform: "ios", token: apnsToken.toUpperCase() } });
		expect(ios.status).toBe(200);
		// The same installation registering again (each app start) keeps one row and moves last_seen_at.
		await http.request("POST", "/api/notifications/devices", { token: student.token, body: { installationId: "installation-1", platform: "ios", token: apnsToken } });
		expect((await database.query("SELECT token FROM device_push_tokens WHERE installation_id = 'installation-1'")).rows).toEqual([{ token: apnsToken }]);
		const zeroLength = await http.request("PUT", "/api/notifications/preferences", { token: student.token, body: { quietHours: { startsLocal: "22:00", endsLocal: "22:00" } } });
		expect(zeroLength).toMatchObject({ status: 422, body: { code: "ERR_VALIDATION" } });
		expect((await http.request("PUT", "/api/notifications/preferences", { token: student.token, body: { quietHours: { startsLocal: "25:00", endsLocal: "07:00" } } })).status).toBe(422);
	});

	it("prunes device tokens not seen for DEVICE_TOKEN_STALE_DAYS", async () => {
		await http.request("POST", "/api/notifications/devices", { token: other.token, body: { installationId: "installation-stale", platform: "android", token: `fcm:${"z".repeat(60)}` } });
		await database.query("UPDATE device_push_tokens SET last_seen_at = now() - interval '61 days' WHERE installation_id = 'installation-stale'");
		await delivery.pruneStaleDevices();
		expect((await database.query("SELECT 1 FROM device_push_tokens WHERE installation_id = 'installation-stale'")).rows).toEqual([]);
	});

	it("forgets notifications older than NOTIFICATIONS_KEPT_DAYS, read or not, and keeps the newer ones", async () => {
		const person = await http.register("student", "Maria Grinberg");
		const goal = () => publish("goals.set", { goalId: randomUUID(), teacherId: teacher.id, studentId: person.id, minutesPerWeek: 60, daysPerWeek: null });
		const [old, unreadOld, recent] = [await goal(), await goal(), await goal()];
		await waitFor(async () => (await database.query("SELECT 1 FROM notifications WHERE recipient_id = $1", [person.id])).rows.length === 3, "three notices");
		await database.query("UPDATE notifications SET created_at = now() - interval '91 days', read_at = now() - interval '90 days' WHERE dedupe_key = $1", [old]);
		await database.query("UPDATE notifications SET created_at = now() - interval '91 days' WHERE dedupe_key = $1", [unreadOld]);
		expect(await delivery.forgetOldNotifications()).toBe(2);
		expect((await database.query("SELECT dedupe_key FROM notifications WHERE recipient_id = $1", [person.id])).rows).toEqual([{ dedupe_key: recent }]);
		const inbox = await http.request("GET", "/api/notifications", { token: person.token });
		expect(inbox.body.items).toHaveLength(1);
	});

	it("exports what it holds about a person (no push keys) and removes it all on accounts.purge", async () => {
		const person = await http.register("student", "Sofia");
		const subscription = await subscribe(person);
		await http.request("POST", "/api/notifications/devices", { token: person.token, body: { installationId: `install-${person.id}`, platform: "android", token: `fcm:${"w".repeat(60)}` } });
		const eventId = await publish("goals.set", { goalId: randomUUID(), teacherId: teacher.id, studentId: person.id, minutesPerWeek: 90, daysPerWeek: null });
		await waitFor(async () => (await inboxRows(person.id, eventId)).length === 1, "the notice");
		const exported = (await api.node.broker.call("notifications.exportPersonalData", { userId: person.id })) as { tables: Record<string, Array<Record<string, unknown>>> };
		expect(exported.tables.notifications).toHaveLength(1);
		expect(exported.tables.web_push_subscriptions).toEqual([expect.objectContaining({ endpoint: subscription.endpoint })]);
		expect(exported.tables.web_push_subscriptions![0]).not.toHaveProperty("auth");
		expect(exported.tables.device_push_tokens![0]).not.toHaveProperty("token");

		await publish("accounts.purge", { userId: person.id, role: "student" });
		await waitFor(async () => {
			const { rows } = await database.query(
				`SELECT (SELECT count(*) FROM notifications WHERE recipient_id = $1) + (SELECT count(*) FROM web_push_subscriptions WHERE user_id = $1)
				      + (SELECT count(*) FROM device_push_tokens WHERE user_id = $1) + (SELECT count(*) FROM push_deliveries WHERE recipient_id = $1) AS n`,
				[person.id]
			);
			return Number(rows[0].n) === 0;
		}, "the purge");
	});
});
