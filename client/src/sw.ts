/// <reference lib="webworker" />
/**
 * The web app's service worker, built by vite-plugin-pwa (injectManifest) into /sw.js.
 *
 * It keeps the app shell — the built HTML, scripts, styles, icons and the SQLite wasm, listed at build time in
 * `self.__WB_MANIFEST` — so the app opens without a network, and nothing else: API calls (/api/*) and recordings
 * (/objects/*) always go to the network. A new version installs beside the running one and waits until the page
 * tells it to take over (client/src/data/app-updates.ts), so an update is offered, never forced.
 *
 * Other features add their own listeners in their own section below (e.g. Web Push: `push`, `notificationclick`).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

/** Requests the shell must never answer: they are the server's to answer, or to fail offline. */
const NETWORK_ONLY_PATHS = [/^\/api(\/|$)/, /^\/objects\//];

// App shell: precached files by their URL, and every in-app navigation answered with index.html.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL("/index.html"), { denylist: NETWORK_ONLY_PATHS }));

// Updates: the page sends SKIP_WAITING (workbox-window's messageSkipWaiting) once the person accepts the update.
self.addEventListener("message", (event) => {
	if ((event.data as { type?: unknown } | null)?.type === "SKIP_WAITING") void self.skipWaiting();
});

// Web Push (services/notifications): show what the server sent; a tap opens the inbox on that notification,
// which marks it read there (the worker holds no sign-in of its own). A newer push with the same tag
// (a lesson's next reminder) replaces the older one on screen, as the push service's Topic does in transit.
interface PushPayload {
	id: string;
	title: string;
	body: string;
	tag: string;
}

self.addEventListener("push", (event) => {
	let payload: PushPayload;
	try {
		payload = event.data?.json() as PushPayload;
	} catch {
		return;
	}
	if (!payload?.id) return;
	event.waitUntil(
		self.registration.showNotification(payload.title, {
			body: payload.body,
			tag: payload.tag,
			icon: "/icons/icon-192.png",
			data: { url: `/tabs/notifications?open=${encodeURIComponent(payload.id)}` }
		})
	);
});

self.addEventListener("notificationclick", (event) => {
	event.notification.close();
	const url = new URL((event.notification.data as { url?: string } | null)?.url ?? "/tabs/notifications", self.location.origin).href;
	event.waitUntil(
		(async () => {
			const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
			const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
			if (open) {
				await open.focus();
				await open.navigate(url);
			} else {
				await self.clients.openWindow(url);
			}
		})()
	);
});
