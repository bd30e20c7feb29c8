import { describe, expect, inject, it } from "vitest";
import type { Dashboard } from "../src/models/analytics";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

/** A dashboard in the contract's shape: the analytics service that will serve it is not built yet. */
function fourWeeksOfPractice(): Dashboard {
	const today = new Date();
	const minutesPerDay = Array.from({ length: 28 }, (_, index) => {
		const day = new Date(today.getTime() - (27 - index) * 86_400_000);
		return { date: day.toISOString().slice(0, 10), minutes: index % 6 === 5 ? 0 : 20 + ((index * 7) % 40) };
	});
	return {
		minutesPerDay,
		streakDays: 4,
		trends: {},
		byFocus: [
			{ focus: "scales", minutes: 310 },
			{ focus: "repertoire", minutes: 420 }
		]
	};
}

describe("the progress screen", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("draws minutes per day, the streak and time by focus from the dashboard answer", async () => {
		const context = await browser().newContext({ viewport: VIEWPORTS.tablet });
		await context.route("**/api/analytics/dash?**", (route) =>
			route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(fourWeeksOfPractice()) })
		);
		const app = await AppDriver.open(context, baseUrl);
		await app.register({ name: "Ines Chart", email: `ines.${Date.now()}@example.com`, password: "four-weeks-in" });
		await app.openTab("Progress");

		await app.screen.getByText("Streak: 4 days").waitFor();
		const chart = app.screen.getByRole("img", { name: /Minutes practised per day/ });
		expect(await chart.getAttribute("aria-label")).toMatch(/in 28 days/);
		await expect.poll(() => chart.evaluate((canvas: HTMLCanvasElement) => canvas.width)).toBeGreaterThan(0);
		expect(await app.screen.locator("ion-item", { hasText: "Repertoire" }).textContent()).toContain("7 h");
		await screenshot(app.page, "progress-chart-1024x768");
		await context.close();
	});
});
