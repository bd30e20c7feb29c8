import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, sessionsOnServer, VIEWPORTS, type Student } from "./app-driver";
import { startBackend, type Backend } from "./backend";

/** The build the suite's backend serves (global-setup.ts builds it; run `npm run build` first with E2E_BASE_URL). */
const BUILT_APP = resolve(import.meta.dirname, "../dist");

function newStudent(name: string): Student {
	return {
		name,
		email: `${name.toLowerCase().replace(/\W+/g, ".")}.${Date.now()}@example.com`,
		password: "offline-first"
	};
}

/** Resolves once the service worker is active, which it only becomes after the whole app shell is cached. */
async function appShellCached(page: Page) {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
}

async function serviceWorkerState(page: Page) {
	return page.evaluate(async () => {
		const registration = await navigator.serviceWorker.getRegistration();
		return { controlled: navigator.serviceWorker.controller !== null, waiting: Boolean(registration?.waiting) };
	});
}

const browser = chromiumForThisFile();

describe("the app shell", () => {
	const baseUrl = inject("baseUrl");

	it("opens without a network after a first visit, keeps API calls off the cache and queues practice offline", async () => {
		const student = newStudent("Olga Offline");
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, baseUrl);
		await app.register(student);
		await appShellCached(app.page);

		await context.setOffline(true);
		await app.page.reload();
		await app.page.waitForURL("**/tabs/practice");
		await app.page.getByRole("form", { name: "Log a practice session" }).waitFor();
		expect((await serviceWorkerState(app.page)).controlled).toBe(true);
		await screenshot(app.page, "practice-offline-app-shell-390x844");

		// The service worker never answers for the API: offline, a request fails as it would without one.
		const health = await app.page.evaluate(() =>
			fetch("/api/health").then(
				(response) => `answered ${response.status}`,
				() => "failed"
			)
		);
		expect(health).toBe("failed");

		expect(await app.logSession({ focus: "Scales", minutes: 20, note: "Opened offline" })).toBe(
			"Session saved on this device. It will sync when you're back online."
		);
		await context.setOffline(false);
		await expect.poll(async () => (await sessionsOnServer(baseUrl, student)).total, { timeout: 15_000 }).toBe(1);
		await context.close();
	});
});

describe("a new version of the web app", () => {
	let appDir: string;
	let backend: Backend;

	// A backend of its own, serving a copy of the build that the test then replaces with a "new version".
	beforeAll(async () => {
		appDir = await mkdtemp(join(tmpdir(), "etude-e2e-app-"));
		await cp(BUILT_APP, appDir, { recursive: true });
		backend = await startBackend(appDir);
	});
	afterAll(async () => {
		await backend?.stop();
		await rm(appDir, { recursive: true, force: true });
	});

	/** Deploys a service worker that differs by a byte, as a new build does, with its precompressed copies. */
	async function deployNewServiceWorker() {
		const file = join(appDir, "sw.js");
		const next = `${await readFile(file, "utf8")}\n// next version ${Date.now()}\n`;
		await Promise.all([
			writeFile(file, next),
			writeFile(`${file}.br`, brotliCompressSync(next)),
			writeFile(`${file}.gz`, gzipSync(next))
		]);
	}

	it("is offered, waits while a recording is in progress, and loads only when the student accepts", async () => {
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, backend.baseUrl);
		await app.register(newStudent("Uma Update"));
		await appShellCached(app.page);
		// A version waits only behind one that controls a page.
		await app.page.reload();
		await app.page.waitForURL("**/tabs/practice");
		expect(await serviceWorkerState(app.page)).toEqual({ controlled: true, waiting: false });

		await deployNewServiceWorker();
		await app.page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
		const offer = app.page.getByRole("status", { name: "Update available" });
		await offer.waitFor();
		expect(await offer.textContent()).toContain("A new version of Etude is ready.");
		await screenshot(app.page, "practice-update-offered-390x844");

		// Recording: the offer steps aside and nothing is loaded until the recording has stopped.
		await app.screen.locator("ion-toggle", { hasText: "Record video and motion" }).click();
		await app.screen.getByRole("button", { name: "Start practising" }).click();
		await app.screen.getByLabel("Camera preview").waitFor();
		await offer.waitFor({ state: "detached" });
		expect(await serviceWorkerState(app.page)).toEqual({ controlled: true, waiting: true });
		await app.screen.getByRole("button", { name: "Stop and log" }).click();
		await offer.waitFor();
		expect(await serviceWorkerState(app.page)).toEqual({ controlled: true, waiting: true });

		await Promise.all([app.page.waitForEvent("load"), offer.getByText("Update now").click()]);
		await app.page.waitForURL("**/tabs/practice");
		await app.page.getByRole("form", { name: "Log a practice session" }).waitFor();
		expect(await serviceWorkerState(app.page)).toEqual({ controlled: true, waiting: false });
		expect(await offer.count()).toBe(0);
		await context.close();
	});
});
