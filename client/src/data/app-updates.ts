import { useSyncExternalStore } from "react";
import { Workbox } from "workbox-window";
import { onReloadSafetyChange, reloadIsSafe } from "./reload-guard";

/** How often a long-open app asks the server for a new version (browsers also check on every navigation). */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;
const SERVICE_WORKER_URL = "/sw.js";

/** The part of workbox-window this module needs; tests give a fake. */
export interface ServiceWorkerControl {
	/** A new version is installed and waits for the page's word. */
	onWaiting(listener: () => void): void;
	/** A service worker took control of this page; `isUpdate` when another one controlled it before. */
	onControlling(listener: (isUpdate: boolean) => void): void;
	skipWaiting(): void;
}

export interface AppUpdateState {
	/** A new version can be loaded. */
	updateReady: boolean;
	/** Nothing a reload would cut short (a recording, an upload) is in progress. */
	reloadSafe: boolean;
}

/**
 * Offers a new version of the web app, and loads it only when the person accepts and no recording or upload is
 * in progress: the new service worker waits until then, and only the page that accepted reloads.
 */
export class AppUpdates {
	private updateReady = false;
	/** The new version already controls this page (accepted in another tab): loading it is a plain reload. */
	private activeElsewhere = false;
	private acceptedHere = false;
	private state: AppUpdateState = { updateReady: false, reloadSafe: reloadIsSafe() };
	private readonly listeners = new Set<() => void>();

	constructor(
		private readonly worker: ServiceWorkerControl,
		private readonly reload: () => void
	) {
		worker.onWaiting(() => {
			this.updateReady = true;
			this.changed();
		});
		worker.onControlling((isUpdate) => {
			if (this.acceptedHere) return this.reload();
			if (!isUpdate) return;
			this.updateReady = true;
			this.activeElsewhere = true;
			this.changed();
		});
		onReloadSafetyChange(() => this.changed());
	}

	getState = (): AppUpdateState => this.state;

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	/** Loads the new version now; refuses (false) while there is none or work is in progress. */
	apply(): boolean {
		if (!this.updateReady || !reloadIsSafe()) return false;
		if (this.activeElsewhere) {
			this.reload();
			return true;
		}
		this.acceptedHere = true;
		this.worker.skipWaiting();
		return true;
	}

	private changed() {
		this.state = { updateReady: this.updateReady, reloadSafe: reloadIsSafe() };
		this.listeners.forEach((listener) => listener());
	}
}

function workboxControl(workbox: Workbox): ServiceWorkerControl {
	return {
		onWaiting: (listener) => workbox.addEventListener("waiting", () => listener()),
		onControlling: (listener) => workbox.addEventListener("controlling", (event) => listener(Boolean(event.isUpdate))),
		skipWaiting: () => workbox.messageSkipWaiting()
	};
}

let appUpdates: AppUpdates | null = null;

/** Registers the service worker that keeps the app shell for offline use, and watches for new versions. */
export function startAppUpdates(): void {
	const workbox = new Workbox(SERVICE_WORKER_URL);
	appUpdates = new AppUpdates(workboxControl(workbox), () => globalThis.location.reload());
	// Workbox registers after the page's load event, so the service worker never competes with the first paint.
	workbox.register().catch((error: unknown) => console.warn("The offline app shell is not available", error));
	setInterval(() => void workbox.update(), UPDATE_CHECK_INTERVAL_MS);
}

/** The running update watcher; none where no service worker runs (development, native apps, old browsers). */
export function currentAppUpdates(): AppUpdates | null {
	return appUpdates;
}

const NO_UPDATES: AppUpdateState = { updateReady: false, reloadSafe: true };
const noSubscription = () => () => undefined;

export function useAppUpdate(updates: AppUpdates | null): AppUpdateState {
	return useSyncExternalStore(updates?.subscribe ?? noSubscription, updates?.getState ?? (() => NO_UPDATES));
}
