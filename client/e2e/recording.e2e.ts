import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

describe("recording a practice session", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("records video with the timer, keeps it with the saved session across a restart and reports its upload", async () => {
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const app = await AppDriver.open(context, baseUrl);
		await app.register({ name: "Ravi Record", email: `ravi.${Date.now()}@example.com`, password: "record-me-please" });

		await app.screen.locator("ion-toggle", { hasText: "Record video and motion" }).click();
		await app.screen.getByRole("button", { name: "Start practising" }).click();
		await app.screen.getByLabel("Camera preview").waitFor();
		await app.page.waitForTimeout(2500);
		await screenshot(app.page, "practice-recording-390x844");
		await app.screen.getByRole("button", { name: "Stop and log" }).click();
		const kept = app.screen.getByRole("status").filter({ hasText: "Recording kept" });
		await expect.poll(async () => (await kept.textContent()) ?? "").toMatch(/Recording kept: \d+\.\d MB of video/);

		await app.logSession({ focus: "Technique", minutes: 1 });
		await app.openTab("Sessions");
		// The upload endpoint arrives with the media work: until then the student is told, in words, that it waits.
		const videoStatus = app.screen.locator(".etude-uploads").first();
		await expect
			.poll(async () => (await videoStatus.textContent()) ?? "", { timeout: 20_000 })
			.toMatch(
				/Video uploaded|Video and Motion data: Recordings can.t be uploaded yet|Video: Recordings can.t be uploaded yet/
			);
		await screenshot(app.page, "sessions-upload-status-390x844");

		// The recording is kept on the device (IndexedDB) and tried again when the app opens again.
		await app.page.reload();
		await app.page.waitForURL("**/tabs/sessions");
		await expect
			.poll(async () => (await app.screen.locator(".etude-uploads").first().textContent()) ?? "", { timeout: 20_000 })
			.toMatch(/Video uploaded|Recordings can.t be uploaded yet/);
		await context.close();
	});
});
