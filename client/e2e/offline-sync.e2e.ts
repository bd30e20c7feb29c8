import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, sessionsOnServer, VIEWPORTS, type Student } from "./app-driver";

describe("a student practising through a dropped connection", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("registers, logs one session online and one offline, finds both on the server exactly once and filters them by focus", async () => {
		const student: Student = {
			name: "Clara Offline",
			email: `clara.${Date.now()}@example.com`,
			password: "bow-arm-steady"
		};
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, baseUrl);
		await app.register(student);

		expect(await app.logSession({ focus: "Scales", minutes: 25, rating: 4, note: "Three octaves, slow bows" })).toBe(
			"Session saved."
		);
		await app.openTab("Sessions");
		await expect.poll(async () => (await sessionsOnServer(baseUrl, student)).total).toBe(1);

		await context.setOffline(true);
		expect(await app.logSession({ focus: "Études", minutes: 15, note: "Kreutzer 2 offline" })).toBe(
			"Session saved on this device. It will sync when you're back online."
		);
		await app.openTab("Sessions");
		const waiting = app.page.locator("[data-sync-state='waiting']");
		await expect.poll(() => waiting.count()).toBe(1);
		await screenshot(app.page, "sessions-offline-waiting-390x844");
		expect((await sessionsOnServer(baseUrl, student)).total).toBe(1);

		await context.setOffline(false);
		await expect.poll(async () => (await sessionsOnServer(baseUrl, student)).total, { timeout: 15_000 }).toBe(2);
		await expect.poll(() => waiting.count()).toBe(0);
		await screenshot(app.page, "sessions-synced-390x844");

		// Opening the app again must not resend what was already delivered.
		await app.page.reload();
		await app.page.waitForURL("**/tabs/sessions");
		await app.page.getByRole("list", { name: "Your sessions" }).waitFor();
		const onServer = await sessionsOnServer(baseUrl, student);
		expect(onServer.total).toBe(2);
		expect(new Set(onServer.items.map((session) => session.id)).size).toBe(2);
		expect(onServer.items.map((session) => [session.focus, session.durationMinutes, session.note])).toEqual([
			["etudes", 15, "Kreutzer 2 offline"],
			["scales", 25, "Three octaves, slow bows"]
		]);

		const listed = app.page.getByRole("list", { name: "Your sessions" }).locator("ion-item h3");
		await app.choose("Show focus", "Études");
		await expect.poll(async () => (await listed.allTextContents()).map((text) => text.trim())).toEqual(["Études"]);
		await app.choose("Show focus", "All");
		await expect.poll(() => listed.count()).toBe(2);
		await context.close();
	});
});
