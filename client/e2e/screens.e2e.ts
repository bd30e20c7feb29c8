import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

describe("the main screens at phone and tablet sizes", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	for (const [device, viewport] of Object.entries(VIEWPORTS)) {
		const size = `${viewport.width}x${viewport.height}`;

		it(`shows every main screen on a ${device} (${size}) with every control named for screen readers`, async () => {
			const context = await browser().newContext({ viewport });
			const app = await AppDriver.open(context, baseUrl);
			await app.page.getByRole("form", { name: "Sign in" }).waitFor();
			await screenshot(app.page, `login-${size}`);
			expect(await app.unnamedControls()).toEqual([]);

			await app.register({
				name: "Maya Chen",
				email: `maya.${device}.${Date.now()}@example.com`,
				password: "long-tone-daily"
			});
			await app.logSession({
				focus: "Repertoire",
				minutes: 40,
				rating: 5,
				note: "Bach partita, allemande",
				newTag: "Bach"
			});

			await app.openTab("Practice");
			await app.page.locator("ion-toast").waitFor({ state: "detached" });
			await app.screen.getByRole("button", { name: "Start practising" }).click();
			await app.page.waitForTimeout(1200);
			await screenshot(app.page, `practice-timer-running-${size}`);
			expect(await app.unnamedControls()).toEqual([]);
			await app.screen.getByRole("button", { name: "Stop and log" }).click();

			await app.openTab("Sessions");
			await app.page.locator("[data-sync-state='done']").first().waitFor();
			await screenshot(app.page, `sessions-${size}`);
			expect(await app.unnamedControls()).toEqual([]);

			await app.page.getByRole("list", { name: "Your sessions" }).locator("ion-item").first().click();
			await app.page.waitForURL("**/tabs/sessions/*");
			await expect.poll(() => app.screen.getByText("Bach partita, allemande").count()).toBe(1);
			await screenshot(app.page, `session-detail-${size}`);
			expect(await app.unnamedControls()).toEqual([]);

			await app.screen.getByRole("button", { name: "Edit session" }).click();
			const editor = app.screen.getByRole("form", { name: "Log a practice session" });
			await editor.getByLabel("Note").fill("Bach partita, allemande and courante");
			await editor.getByRole("checkbox", { name: "Tag Bach" }).click();
			await editor.getByRole("checkbox", { name: "Tag Bach", checked: false }).waitFor();
			await editor.getByRole("button", { name: "Save changes" }).click();
			await app.screen.getByText("Bach partita, allemande and courante").waitFor();
			await expect.poll(() => app.screen.getByText("Tags", { exact: true }).count()).toBe(0);

			await app.openTab("Progress");
			await app.screen.getByRole("img", { name: /Minutes practised per day: 40 minutes/ }).waitFor();
			await screenshot(app.page, `progress-${size}`);
			expect(await app.unnamedControls()).toEqual([]);

			await app.openTab("Settings");
			await app.screen.getByRole("button", { name: "Save A4" }).waitFor();
			await screenshot(app.page, `settings-${size}`);
			expect(await app.unnamedControls()).toEqual([]);

			await context.close();
		});
	}

	it("follows the system's dark mode", async () => {
		const backgroundIn = async (colorScheme: "light" | "dark") => {
			const context = await browser().newContext({ viewport: VIEWPORTS.phone, colorScheme });
			const app = await AppDriver.open(context, baseUrl);
			await app.page.getByRole("form", { name: "Sign in" }).waitFor();
			if (colorScheme === "dark") await screenshot(app.page, "login-dark-390x844");
			const background = await app.page.evaluate(() =>
				getComputedStyle(document.documentElement).getPropertyValue("--ion-background-color").trim()
			);
			await context.close();
			return background;
		};
		// Ionic's dark palette sets the page background to #121212; the light theme leaves its default white.
		expect(await backgroundIn("dark")).toBe("#121212");
		expect(await backgroundIn("light")).not.toBe("#121212");
	});
});
