import { Capacitor } from "@capacitor/core";
import { Preferences } from "@capacitor/preferences";
import { api } from "./app-services";

const INSTALLATION_KEY = "etude.installation-id";

/** What this device can do about push: the web through a service worker, or the native plugin. */
export type PushSupport = "native" | "web" | "unsupported";

export function pushSupport(): PushSupport {
	if (Capacitor.isNativePlatform()) return "native";
	if (typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof window !== "undefined" && "PushManager" in window && "Notification" in window) return "web";
	return "unsupported";
}

/** Whether pushes are already on here, without asking anything. */
export async function pushEnabled(): Promise<boolean> {
	const support = pushSupport();
	if (support === "web") {
		if (Notification.permission !== "granted") return false;
		const registration = await navigator.serviceWorker.getRegistration();
		return Boolean(await registration?.pushManager.getSubscription());
	}
	if (support === "native") {
		const { PushNotifications } = await import("@capacitor/push-notifications");
		return (await PushNotifications.checkPermissions()).receive === "granted";
	}
	return false;
}

/**
 * Turns push on for this browser or app installation. Called from a tap only: browsers (Safari
 * above all) refuse a permission prompt that no gesture asked for, and people decline prompts
 * they did not expect. Answers false when the person said no.
 */
export async function enablePush(): Promise<boolean> {
	const support = pushSupport();
	if (support === "web") return enableWebPush();
	if (support === "native") return enableDevicePush();
	return false;
}

async function enableWebPush(): Promise<boolean> {
	if ((await Notification.requestPermission()) !== "granted") return false;
	const registration = await navigator.serviceWorker.ready;
	const { publicKey } = await api.notifications.webPushKey();
	const subscription =
		(await registration.pushManager.getSubscription()) ??
		(await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey) }));
	const json = subscription.toJSON();
	await api.notifications.subscribeWebPush({ endpoint: subscription.endpoint, keys: { p256dh: json.keys!.p256dh!, auth: json.keys!.auth! } });
	return true;
}

/**
 * The Capacitor plugin hands out an APNs device token on iOS and an FCM token on Android; the
 * server sends each through its own route (APNs or FCM), so the platform travels with the token.
 */
async function enableDevicePush(): Promise<boolean> {
	const { PushNotifications } = await import("@capacitor/push-notifications");
	let permission = await PushNotifications.checkPermissions();
	if (permission.receive === "prompt" || permission.receive === "prompt-with-rationale") permission = await PushNotifications.requestPermissions();
	if (permission.receive !== "granted") return false;
	await registerDeviceToken();
	return true;
}

/** Registers (again) at every start once permission is granted, so the server's last-seen time stays fresh. */
export async function registerDeviceToken(): Promise<void> {
	const { PushNotifications } = await import("@capacitor/push-notifications");
	const platform = Capacitor.getPlatform() === "ios" ? "ios" : "android";
	const installationId = await installationIdOf();
	const token = new Promise<string>((resolve, reject) => {
		void PushNotifications.addListener("registration", ({ value }) => resolve(value));
		void PushNotifications.addListener("registrationError", ({ error }) => reject(new Error(error)));
	});
	await PushNotifications.register();
	await api.notifications.registerDevice({ installationId, platform, token: await token });
}

async function installationIdOf(): Promise<string> {
	const stored = (await Preferences.get({ key: INSTALLATION_KEY })).value;
	if (stored) return stored;
	const created = crypto.randomUUID();
	await Preferences.set({ key: INSTALLATION_KEY, value: created });
	return created;
}

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
	const base64 = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
	return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}
