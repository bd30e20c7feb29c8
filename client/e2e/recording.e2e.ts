import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

interface SessionWithVideos {
	videos: Array<{ state: string }>;
}

describe("recording a practice session", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("records video with the timer and uploads it at the next start when the app closed before the upload could connect", async () => {
		const student = { name: "Ravi Record", email: `ravi.${Date.now()}@example.com`, password: "record-me-please" };
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		let app = await AppDriver.open(context, baseUrl);
		await app.register(student);

		await app.screen.locator("ion-toggle", { hasText: "Record video and motion" }).click();
		await app.screen.getByRole("button", { name: "Start practising" }).click();
		await app.screen.getByLabel("Camera preview").waitFor();
		await app.page.waitForTimeout(2500);
		await screenshot(app.page, "practice-recording-390x844");
		await app.screen.getByRole("button", { name: "Stop and log" }).click();
		const kept = app.screen.getByRole("status").filter({ hasText: "Recording kept" });
		await expect.poll(async () => (await kept.textContent()) ?? "").toMatch(/Recording kept: \d+\.\d MB of video/);

		// The session syncs, but the upload cannot connect (the API still can), and the app is closed meanwhile.
		await context.route("**/api/uploads**", (route) => route.abort("connectionfailed"));
		await app.logSession({ focus: "Technique", minutes: 1 });
		await app.openTab("Sessions");
		const uploadStatus = app.screen.locator(".etude-uploads").first();
		await expect.poll(async () => (await uploadStatus.textContent()) ?? "").toContain("Video uploading 0 %");
		await screenshot(app.page, "sessions-upload-stalled-390x844");

		// The recording waited on the device. The app is closed first, then the network comes back, and
		// the next start uploads it. (Lifting the block before closing let the closing page's own retry
		// start a second upload of the same recording on a loaded machine.)
		await app.page.close();
		await context.unroute("**/api/uploads**");
		app = await AppDriver.open(context, baseUrl);
		await app.openTab("Sessions");
		await expect
			.poll(async () => (await app.screen.locator(".etude-uploads").first().textContent()) ?? "", { timeout: 30_000 })
			.toContain("Video uploaded");
		await screenshot(app.page, "sessions-upload-done-390x844");

		const sessionId = await app.page.locator("[data-session-id]").first().getAttribute("data-session-id");
		const token = await app.page.evaluate(
			() => (JSON.parse(localStorage.getItem("CapacitorStorage.etude.authTokens")!) as { token: string }).token
		);
		const session = (await (
			await fetch(`${baseUrl}/api/sessions/${sessionId}`, { headers: { Authorization: `Bearer ${token}` } })
		).json()) as SessionWithVideos;
		expect(session.videos).toHaveLength(1);

		await app.page.locator("[data-session-id]").first().click();
		await screenshot(app.page, "session-detail-video-processing-390x844");
		// The media pipeline turns the browser's WebM into HLS; the detail screen follows it and then plays it.
		const player = app.screen.getByLabel("Practice recording");
		await player.waitFor({ timeout: 90_000 });
		await expect
			.poll(() => player.evaluate((video: HTMLVideoElement) => video.readyState), { timeout: 20_000 })
			.toBeGreaterThan(0);
		await screenshot(app.page, "session-detail-video-ready-390x844");

		// The analysis of the recording's sound arrives beside it: summary figures and the curves.
		await app.screen
			.getByRole("img", { name: /Loudness and intonation over \d+ seconds of recording/ })
			.waitFor({ timeout: 60_000 });
		// Every summary figure is a number or a dash, never NaN.
		const figures = await app.screen.locator("ion-item h3").allTextContents();
		expect(figures.filter((text) => text.includes("NaN"))).toEqual([]);
		await app.screen.getByRole("img", { name: /Loudness and intonation/ }).scrollIntoViewIfNeeded();
		await screenshot(app.page, "session-detail-analysis-390x844");

		// The analysed recording also counts in this week's trends on the Progress tab.
		await app.openTab("Progress");
		await app.screen.getByLabel("This week compared with the week before").waitFor({ timeout: 30_000 });
		await screenshot(app.page, "progress-trends-390x844");
		await context.close();
	});
});
