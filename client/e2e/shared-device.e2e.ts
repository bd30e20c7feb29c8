import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import {
	apiAs,
	AppDriver,
	chromiumForThisFile,
	screenshot,
	sessionsOnServer,
	VIEWPORTS,
	type Student
} from "./app-driver";

function familyMember(name: string): Student {
	const handle = name.toLowerCase().split(" ")[0];
	return {
		name,
		email: `${handle}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`,
		password: "one-tablet-for-all"
	};
}

/** Counts the requests of one kind the page sends from now on. */
function countRequests(page: Page, method: string, pathPart: string) {
	const counter = { count: 0 };
	page.on("request", (request) => {
		if (request.method() === method && new URL(request.url()).pathname.includes(pathPart)) counter.count += 1;
	});
	return counter;
}

/**
 * Registers and logs a first session online, so the app has everything it loads from the network (its SQLite
 * engine, the plugins' web code) before the connection drops: the web app has no service worker caching them yet.
 */
async function registerAndPractiseOnline(app: AppDriver, student: Student, baseUrl: string) {
	await app.register(student);
	expect(await app.logSession({ focus: "Sight-reading", minutes: 30 })).toBe("Session saved.");
	await expect.poll(async () => (await sessionsOnServer(baseUrl, student)).total).toBe(1);
}

/** Records a short take with Chromium's synthetic camera, then logs it while the device is offline. */
async function recordAndLogOffline(app: AppDriver, context: BrowserContext, focus: string) {
	await app.openTab("Practice");
	await context.setOffline(true);
	await app.screen.locator("ion-toggle", { hasText: "Record video and motion" }).click();
	await app.screen.getByRole("button", { name: "Start practising" }).click();
	await app.screen.getByLabel("Camera preview").waitFor();
	// A couple of seconds of video, so there is something to upload.
	await expect.poll(() => app.screen.getByRole("timer").textContent(), { timeout: 10_000 }).toMatch(/^00:0[2-9]$/);
	await app.screen.getByRole("button", { name: "Stop and log" }).click();
	await app.screen.getByRole("status").filter({ hasText: "Recording kept" }).waitFor();
	expect(await app.logSession({ focus, minutes: 1 })).toBe(
		"Session saved on this device. It will sync when you're back online."
	);
}

/**
 * The session ids listed under "On this device", once that many are listed: the page reads the device's queue
 * after it renders, so an immediate read can see an empty list that fills a moment later.
 */
async function sessionsOnThisDevice(app: AppDriver, expectedCount: number): Promise<string[]> {
	await app.openTab("Sessions");
	const items = app.screen.getByRole("list", { name: "Sessions on this device" }).locator("[data-session-id]");
	await expect.poll(() => items.count()).toBe(expectedCount);
	return Promise.all((await items.all()).map(async (item) => (await item.getAttribute("data-session-id")) ?? ""));
}

async function recordingsKeptInBrowser(page: Page): Promise<number> {
	return page.evaluate(
		() =>
			new Promise<number>((done, fail) => {
				const opening = indexedDB.open("etude");
				opening.onerror = () => fail(opening.error);
				opening.onsuccess = () => {
					const db = opening.result;
					if (!db.objectStoreNames.contains("recordings")) return done(0);
					const counting = db.transaction("recordings").objectStore("recordings").count();
					counting.onsuccess = () => done(counting.result);
					counting.onerror = () => fail(counting.error);
				};
			})
	);
}

describe("one tablet shared by a family, one browser profile", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("keeps Ada's unsent session and video locked to her: Ben neither sees nor uploads them, Ada's next sign-in uploads them to her", async () => {
		const ada = familyMember("Ada Lovelace");
		const ben = familyMember("Ben Lovelace");
		const context = await browser().newContext({ viewport: VIEWPORTS.tablet });
		const app = await AppDriver.open(context, baseUrl);
		await registerAndPractiseOnline(app, ada, baseUrl);

		await recordAndLogOffline(app, context, "Technique");
		const [adasSession] = await sessionsOnThisDevice(app, 1);
		await app.screen.locator("[data-sync-state='waiting']").waitFor();

		const warning = await app.signOut("Keep");
		expect(warning).toContain("1 session and 1 recording on this device have not reached your account yet");
		expect(warning).toContain("locked to your account");

		await context.setOffline(false);
		const uploadsWhileBen = countRequests(app.page, "POST", "/api/uploads");
		await app.page.getByRole("link", { name: "Create an account" }).waitFor();
		await app.register(ben);
		expect(await app.logSession({ focus: "Scales", minutes: 20 })).toBe("Session saved.");
		// Ben's own session reaching the server shows his sync has run; Ada's never went with it.
		await expect.poll(async () => (await sessionsOnServer(baseUrl, ben)).total).toBe(1);
		const bensSessions = await sessionsOnServer(baseUrl, ben);
		expect(bensSessions.items.map((session) => [session.focus, session.videos])).toEqual([["scales", []]]);
		expect(bensSessions.items.map((session) => session.id)).not.toContain(adasSession);
		expect(await sessionsOnThisDevice(app, 0)).toEqual([]);
		expect(await app.page.locator(`[data-session-id='${adasSession}']`).count()).toBe(0);
		expect(await app.page.getByRole("list", { name: "Saved on this device without an account" }).count()).toBe(0);
		expect(uploadsWhileBen.count).toBe(0);
		expect((await sessionsOnServer(baseUrl, ada)).items.map((session) => session.focus)).toEqual(["sight_reading"]);
		await screenshot(app.page, "shared-device-ben-sees-only-his-1024x768");

		expect(await app.signOut()).toBeNull();
		await app.signIn(ada);
		await expect
			.poll(async () => (await sessionsOnServer(baseUrl, ada)).items.map((session) => session.id), { timeout: 15_000 })
			.toContain(adasSession);
		expect((await sessionsOnServer(baseUrl, ada)).total).toBe(2);
		const asAda = await apiAs(baseUrl, ada);
		await expect
			.poll(async () => (await asAda<{ videos: unknown[] }>("GET", `/sessions/${adasSession}`)).videos.length, {
				timeout: 30_000
			})
			.toBe(1);
		await app.openTab("Sessions");
		await expect
			.poll(
				async () => (await app.screen.locator(`[data-session-id='${adasSession}'] .etude-uploads`).textContent()) ?? "",
				{
					timeout: 30_000
				}
			)
			.toContain("Video uploaded");
		await screenshot(app.page, "shared-device-ada-uploaded-1024x768");
		expect((await sessionsOnServer(baseUrl, ben)).total).toBe(1);
		await context.close();
	});

	it("discards the unsent sessions and recording at sign-out when asked, so the next sign-in uploads none of them", async () => {
		const clara = familyMember("Clara Schumann");
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, baseUrl);
		await registerAndPractiseOnline(app, clara, baseUrl);

		await recordAndLogOffline(app, context, "Repertoire");
		expect(await app.logSession({ focus: "Scales", minutes: 10 })).toBe(
			"Session saved on this device. It will sync when you're back online."
		);
		expect(await sessionsOnThisDevice(app, 2)).toHaveLength(2);
		expect(await recordingsKeptInBrowser(app.page)).toBe(1);

		await app.openTab("Settings");
		await app.screen.getByRole("button", { name: "Sign out" }).click();
		await app.page.locator("ion-alert").waitFor({ state: "visible" });
		await screenshot(app.page, "sign-out-unsent-warning-390x844");
		await app.page.locator("ion-alert").getByRole("button", { name: "Cancel" }).click();
		await app.page.locator("ion-alert").waitFor({ state: "detached" });
		const warning = await app.signOut("Discard");
		expect(warning).toContain("2 sessions and 1 recording on this device have not reached your account yet");
		expect(await recordingsKeptInBrowser(app.page)).toBe(0);

		await context.setOffline(false);
		await app.signIn(clara);
		expect(await app.logSession({ focus: "Études", minutes: 5 })).toBe("Session saved.");
		await expect.poll(async () => (await sessionsOnServer(baseUrl, clara)).total).toBe(2);
		expect((await sessionsOnServer(baseUrl, clara)).items.map((session) => session.focus).sort()).toEqual([
			"etudes",
			"sight_reading"
		]);
		expect(await sessionsOnThisDevice(app, 0)).toEqual([]);
		await context.close();
	});

	it("shows a session the server refused with its reason, sends it again on request, and discards it", async () => {
		const dora = familyMember("Dora Pejačević");
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, baseUrl);
		await app.register(dora);

		// The tag exists while the session is logged offline, then is deleted from another device before it syncs.
		await app.logSession({
			focus: "Technique",
			minutes: 15,
			newTag: "Shifting",
			beforeSave: () => context.setOffline(true)
		});
		const asDora = await apiAs(baseUrl, dora);
		const tags = await asDora<Array<{ id: string; name: string }>>("GET", "/tags");
		await asDora("DELETE", `/tags/${tags.find((tag) => tag.name === "Shifting")!.id}`);

		const sends = countRequests(app.page, "POST", "/api/sessions");
		await app.openTab("Sessions");
		await context.setOffline(false);
		const refused = app.screen.locator("[data-sync-state='failed']");
		await refused.waitFor({ timeout: 15_000 });
		const item = app.screen.getByRole("list", { name: "Sessions on this device" }).locator("[data-session-id]");
		await expect
			.poll(() => item.textContent())
			.toContain("Not accepted by the server: Some tags do not exist or are not yours to use (ERR_VALIDATION)");
		expect(sends.count).toBe(1);
		await screenshot(app.page, "sessions-refused-with-reason-390x844");

		await item.getByRole("button", { name: "Try again" }).click();
		await expect.poll(() => sends.count).toBe(2);
		// The item was refused before the retry too, so wait for the reason to be shown again rather than the state.
		await expect.poll(() => item.textContent()).toContain("Some tags do not exist or are not yours to use");

		await item.getByRole("button", { name: "Discard" }).click();
		await app.page.locator("ion-alert").getByRole("button", { name: "Discard" }).click();
		await expect.poll(() => item.count()).toBe(0);
		await app.page.reload();
		await app.page.getByRole("list", { name: "Your sessions" }).waitFor();
		expect(await sessionsOnThisDevice(app, 0)).toEqual([]);
		expect((await sessionsOnServer(baseUrl, dora)).total).toBe(0);
		await context.close();
	});
});
