import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

describe("the progress screen", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("draws today's minutes, the streak and time by focus from the server's dashboard", async () => {
		const context = await browser().newContext({ viewport: VIEWPORTS.tablet });
		const app = await AppDriver.open(context, baseUrl);
		await app.register({ name: "Ines Chart", email: `ines.${Date.now()}@example.com`, password: "four-weeks-in" });
		await app.logSession({ focus: "Scales", minutes: 25 });
		await app.logSession({ focus: "Repertoire", minutes: 40 });
		await app.openTab("Progress");

		await app.screen.getByText("Streak: 1 day").waitFor();
		const chart = app.screen.getByRole("img", { name: /Minutes practised per day/ });
		expect(await chart.getAttribute("aria-label")).toBe("Minutes practised per day: 65 minutes in 28 days");
		expect(await app.screen.locator("ion-item", { hasText: "Repertoire" }).textContent()).toContain("40 min");
		expect(await app.screen.locator("ion-item", { hasText: "Scales" }).textContent()).toContain("25 min");
		await screenshot(app.page, "progress-chart-1024x768");
		await context.close();
	});

	it("says there is nothing yet, in words, before the first session", async () => {
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, baseUrl);
		await app.register({ name: "Nia New", email: `nia.${Date.now()}@example.com`, password: "first-day-here" });
		await app.openTab("Progress");
		await app.screen.getByText("No progress to show yet").waitFor();
		await screenshot(app.page, "progress-empty-390x844");
		await context.close();
	});
});
