import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApnsEndpoint } from "../../test/support/apns-endpoint";
import { apnsAdapter, APNS_TOKEN, isKnownPushService, pushPayload, type DevicePushAdapter, type PushMessage } from "./push-senders";

const message: PushMessage = {
	notificationId: "5b0c7f5e-3d8e-4a55-9b7e-5a4d2c7f1e01",
	title: "Cello with Ms Lee",
	body: "Starts in 1 hour",
	link: { screen: "lessons", lessonId: "l1" },
	category: "lesson_reminder",
	collapseKey: "b3JjaGVzdHJhLXJlaGVhcnNhbC0xMjM",
	urgency: "high",
	ttlSeconds: 1800
};
const TEAM = { teamId: "TEAM123456", keyId: "KEY1234567", topic: "org.etude.app" };
let apns: Awaited<ReturnType<typeof startApnsEndpoint>>;
let adapter: DevicePushAdapter;

beforeAll(async () => {
	apns = await startApnsEndpoint(TEAM);
	adapter = apnsAdapter({ keyFile: apns.keyFile, ...TEAM, production: true, server: apns.server });
});
afterAll(async () => {
	await adapter?.close();
	await apns?.close();
});

describe("the APNs adapter against a local HTTP/2 stand-in", () => {
	const token = "ab".repeat(32);

	it("sends an alert with a valid provider token, the bundle id as topic, priority 10, an expiry within the TTL and the collapse id", async () => {
		const before = Math.floor(Date.now() / 1000);
		expect(await adapter.send(token, message)).toEqual({ status: "sent" });
		const [push] = apns.received;
		expect(apns.refused).toEqual([]);
		expect(push!.token).toBe(token);
		expect(push!.headers).toMatchObject({ "apns-topic": TEAM.topic, "apns-push-type": "alert", "apns-priority": "10", "apns-collapse-id": message.collapseKey });
		const expiry = Number(push!.headers["apns-expiration"]);
		expect(expiry).toBeGreaterThanOrEqual(before + 1800);
		expect(expiry).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1800);
		expect(push!.payload).toMatchObject({ aps: { alert: { title: message.title, body: message.body } }, id: message.notificationId, category: "lesson_reminder" });
		expect(JSON.parse(push!.payload.link)).toEqual(message.link);
	});

	it("calls an Unregistered token gone (410) but never a BadDeviceToken (400: usually sandbox against production)", async () => {
		const unregistered = "cd".repeat(32);
		const sandbox = "ef".repeat(32);
		apns.answer(unregistered, 410, "Unregistered");
		apns.answer(sandbox, 400, "BadDeviceToken");
		expect(await adapter.send(unregistered, message)).toMatchObject({ status: "gone" });
		expect(await adapter.send(sandbox, message)).toMatchObject({ status: "failed", detail: "400: BadDeviceToken" });
	});

	it("tells APNs tokens (64 hex digits, what @capacitor/push-notifications gives on iOS) from FCM tokens", () => {
		expect(APNS_TOKEN.test(token)).toBe(true);
		expect(APNS_TOKEN.test("dGVzdDpBUEE5MWJIa...".padEnd(152, "x"))).toBe(false);
	});

	it("keeps the Web Push payload to what the service worker shows", () => {
		expect(JSON.parse(pushPayload(message))).toEqual({ id: message.notificationId, title: message.title, body: message.body, link: message.link, category: message.category, tag: message.collapseKey });
	});
});

describe("Web Push endpoints", () => {
	it("are accepted in production only at the browsers' push services, over https on 443", () => {
		for (const endpoint of [
			"https://fcm.googleapis.com/fcm/send/abc:def",
			"https://updates.push.services.mozilla.com/wpush/v2/gAAA",
			"https://web.push.apple.com/QGuQ",
			"https://wns2-db5p.notify.windows.com/w/?token=x"
		]) {
			expect(isKnownPushService(endpoint), endpoint).toBe(true);
		}
		for (const endpoint of ["http://fcm.googleapis.com/fcm/send/x", "https://fcm.googleapis.com:8443/x", "https://fcm.googleapis.com.evil.org/x", "https://10.0.0.5/push", "https://localhost/x", "not a url"]) {
			expect(isKnownPushService(endpoint), endpoint).toBe(false);
		}
	});
});
