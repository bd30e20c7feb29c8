import { readFileSync } from "node:fs";
import type { Agent } from "node:https";
import apn from "@parse/node-apn";
import { cert, deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getMessaging } from "firebase-admin/messaging";
import webPush from "web-push";
import type { VapidDetails } from "../../lib/vapid-keys";
import type { NoticeLink, Urgency } from "./notices";

/** What one push says, whichever way it travels. */
export interface PushMessage {
	notificationId: string;
	title: string;
	body: string;
	link: NoticeLink;
	category: string;
	collapseKey: string;
	urgency: Urgency;
	/** Seconds the push service may hold it for an offline device; never past the lesson. */
	ttlSeconds: number;
}

/**
 * How a send ended: `gone` means the target no longer exists (remove it), `retry` a passing
 * problem (try again later), `failed` one a retry cannot fix (a configuration error, a refused payload).
 */
export type SendOutcome = { status: "sent" } | { status: "gone"; detail: string } | { status: "retry"; detail: string } | { status: "failed"; detail: string };

export interface WebPushTarget {
	endpoint: string;
	p256dh: string;
	auth: string;
}

/**
 * The browsers' push services. A subscription's endpoint comes from the browser, that is from the
 * client: in production only these hosts are accepted, so the server never POSTs to an address of
 * someone's choosing (an internal service, for one).
 */
const PUSH_SERVICE_HOSTS = [/^fcm\.googleapis\.com$/, /^updates\.push\.services\.mozilla\.com$/, /^web\.push\.apple\.com$/, /\.notify\.windows\.com$/, /\.push\.apple\.com$/];

export function isKnownPushService(endpoint: string): boolean {
	try {
		const url = new URL(endpoint);
		return url.protocol === "https:" && (url.port === "" || url.port === "443") && PUSH_SERVICE_HOSTS.some((host) => host.test(url.hostname));
	} catch {
		return false;
	}
}

/** The payload the service worker (client/src/sw.ts) reads. */
export function pushPayload(message: PushMessage): string {
	return JSON.stringify({ id: message.notificationId, title: message.title, body: message.body, link: message.link, category: message.category, tag: message.collapseKey });
}

/** Web Push (RFC 8030/8291/8292) with our VAPID identity; the payload is encrypted with the subscription's keys. */
export function webPushSender(vapid: VapidDetails, options: { timeoutMs?: number; agent?: Agent } = {}) {
	return async (target: WebPushTarget, message: PushMessage): Promise<SendOutcome> => {
		try {
			await webPush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, pushPayload(message), {
				vapidDetails: vapid,
				TTL: message.ttlSeconds,
				urgency: message.urgency,
				topic: message.collapseKey,
				contentEncoding: "aes128gcm",
				timeout: options.timeoutMs ?? 10_000,
				...(options.agent ? { agent: options.agent } : {})
			});
			return { status: "sent" };
		} catch (error) {
			const statusCode = (error as { statusCode?: number }).statusCode;
			const detail = `${statusCode ?? "network"}: ${(error as Error).message}`.slice(0, 500);
			// 404 and 410 are the push service saying the subscription is over; nothing else is.
			if (statusCode === 404 || statusCode === 410) return { status: "gone", detail };
			if (statusCode === undefined || statusCode === 429 || statusCode >= 500) return { status: "retry", detail };
			return { status: "failed", detail };
		}
	};
}

export type DevicePlatform = "ios" | "android";

/** A device push route: FCM for Android, APNs for iOS (the Capacitor plugin hands out an APNs token there). */
export interface DevicePushAdapter {
	platform: DevicePlatform;
	send(token: string, message: PushMessage): Promise<SendOutcome>;
	close(): Promise<void>;
}

/** An APNs device token is 32 bytes in hex; an FCM registration token never looks like one. */
export const APNS_TOKEN = /^[0-9a-f]{64}$/i;

const stringData = (message: PushMessage): Record<string, string> => ({ id: message.notificationId, category: message.category, link: JSON.stringify(message.link) });

/** Android through Firebase Cloud Messaging (HTTP v1, one request per token). */
export function fcmAdapter(serviceAccountFile: string): DevicePushAdapter {
	const app: App = initializeApp({ credential: cert(JSON.parse(readFileSync(serviceAccountFile, "utf8"))) }, `etude-fcm-${process.pid}-${Date.now()}`);
	const messaging = getMessaging(app);
	return {
		platform: "android",
		async send(token, message) {
			try {
				await messaging.send({
					token,
					notification: { title: message.title, body: message.body },
					data: stringData(message),
					android: {
						ttl: message.ttlSeconds * 1000,
						collapseKey: message.collapseKey,
						priority: message.urgency === "high" ? "high" : "normal",
						notification: { tag: message.collapseKey }
					}
				});
				return { status: "sent" };
			} catch (error) {
				const code = (error as { code?: string }).code ?? "unknown";
				const detail = `${code}: ${(error as Error).message}`.slice(0, 500);
				if (code === "messaging/registration-token-not-registered" || code === "messaging/invalid-registration-token") return { status: "gone", detail };
				if (code === "messaging/internal-error" || code === "messaging/server-unavailable" || code === "messaging/quota-exceeded" || code === "app/network-error") {
					return { status: "retry", detail };
				}
				return { status: "failed", detail };
			}
		},
		close: () => deleteApp(app)
	};
}

export interface ApnsOptions {
	keyFile: string;
	keyId: string;
	teamId: string;
	/** The app's bundle id. */
	topic: string;
	production: boolean;
	/** Another APNs server and the CA its certificate is signed by (a test's stand-in); default: Apple's. */
	server?: { address: string; port: number; ca: string };
}

/** iOS straight to APNs over HTTP/2 with a .p8 token key. */
export function apnsAdapter(options: ApnsOptions): DevicePushAdapter {
	const provider = new apn.Provider({
		token: { key: readFileSync(options.keyFile, "utf8"), keyId: options.keyId, teamId: options.teamId },
		production: options.production,
		...(options.server ? { address: options.server.address, port: options.server.port, ca: [options.server.ca] } : {})
	});
	return {
		platform: "ios",
		async send(token, message) {
			const note = new apn.Notification();
			note.topic = options.topic;
			note.pushType = "alert";
			note.alert = { title: message.title, body: message.body };
			note.payload = stringData(message);
			note.collapseId = message.collapseKey;
			note.priority = message.urgency === "high" ? 10 : 5;
			note.expiry = Math.floor(Date.now() / 1000) + message.ttlSeconds;
			const result = await provider.send(note, token);
			const failure = result.failed[0];
			if (!failure) return { status: "sent" };
			const status = Number(failure.status ?? 0);
			const reason = (failure.response as { reason?: string } | undefined)?.reason ?? failure.error?.message ?? "unknown";
			const detail = `${status || "network"}: ${reason}`;
			// 410 Unregistered only: a 400 BadDeviceToken is usually a sandbox/production mismatch, not a dead token.
			if (status === 410) return { status: "gone", detail };
			if (!status || status === 429 || status >= 500) return { status: "retry", detail };
			return { status: "failed", detail };
		},
		close: () => provider.shutdown()
	};
}
