import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, sessionsOnServer } from "./app-driver";

/** Where @capacitor/preferences keeps the tokens on the web. */
const TOKENS_STORAGE_KEY = "CapacitorStorage.etude.authTokens";

describe("signing in across expired tokens", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("refreshes a refused access token once with the real server and carries on", async () => {
		const student = { name: "Tomas Token", email: `tomas.${Date.now()}@example.com`, password: "refresh-rotate" };
		const context = await browser().newContext();
		const app = await AppDriver.open(context, baseUrl);
		await app.register(student);
		await app.logSession({ focus: "Scales", minutes: 10 });
		await expect.poll(async () => (await sessionsOnServer(baseUrl, student)).total).toBe(1);

		const before = await app.page.evaluate(
			(key) => JSON.parse(localStorage.getItem(key)!) as { token: string; refreshToken: string },
			TOKENS_STORAGE_KEY
		);
		await app.page.evaluate(
			([key, refreshToken]) => localStorage.setItem(key!, JSON.stringify({ token: "not-a-valid-jwt", refreshToken })),
			[TOKENS_STORAGE_KEY, before.refreshToken]
		);
		const refreshCalls: number[] = [];
		app.page.on("request", (request) => {
			if (request.url().endsWith("/api/auth/refresh")) refreshCalls.push(Date.now());
		});

		await app.page.reload();
		await app.openTab("Sessions");
		await app.screen.locator("ion-item", { hasText: "Scales" }).waitFor();

		const after = await app.page.evaluate(
			(key) => JSON.parse(localStorage.getItem(key)!) as { token: string; refreshToken: string },
			TOKENS_STORAGE_KEY
		);
		expect(refreshCalls).toHaveLength(1);
		expect(after.token).not.toBe("not-a-valid-jwt");
		expect(after.refreshToken).not.toBe(before.refreshToken);
		await context.close();
	});

	it("sends the student to sign in when the refresh token is refused", async () => {
		const context = await browser().newContext();
		const app = await AppDriver.open(context, baseUrl);
		await app.register({ name: "Una Revoked", email: `una.${Date.now()}@example.com`, password: "revoked-token" });
		await app.page.evaluate(
			(key) => localStorage.setItem(key, JSON.stringify({ token: "expired", refreshToken: "revoked" })),
			TOKENS_STORAGE_KEY
		);

		await app.page.reload();

		await app.page.getByRole("form", { name: "Sign in" }).waitFor();
		expect(await app.page.evaluate((key) => localStorage.getItem(key), TOKENS_STORAGE_KEY)).toBeNull();
		await context.close();
	});
});
