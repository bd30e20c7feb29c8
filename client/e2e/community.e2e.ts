import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";
import { makeModerator, startBackend, type Backend } from "./backend";
import { callApi, registerAccount, type Account } from "./teaching-fixtures";

/** The build the suite's backend serves (global-setup.ts builds it; run `npm run build` first with E2E_BASE_URL). */
const BUILT_APP = resolve(import.meta.dirname, "../dist");

function person(name: string, stamp: number) {
	return { name, email: `${name.toLowerCase().replace(/\W+/g, ".")}.${stamp}@example.com`, password: "practise-daily", timezone: "Europe/Vienna" };
}

async function ask(baseUrl: string, asker: Account, title: string, body: string): Promise<string> {
	const { id } = await callApi<{ id: string }>(baseUrl, "POST", "/forum/posts", { token: asker.token, body: { title, body, tags: ["bowing"] } });
	return id;
}

/**
 * Flags a post as spam the way a member earns the right to: an answer of theirs is accepted (+15 reaches the flag
 * privilege's 15), then they flag.
 */
async function flagAsMemberWithThePrivilege(baseUrl: string, postId: string) {
	const stamp = Date.now();
	const asker = await registerAccount(baseUrl, person("Quinn Asker", stamp));
	const flagger = await registerAccount(baseUrl, person("Fran Flagger", stamp));
	const questionId = await ask(baseUrl, asker, `How long should rosin last ${stamp}`, "How many months does a cake of rosin last with daily practice?");
	const answer = await callApi<{ id: string }>(baseUrl, "POST", `/forum/posts/${questionId}/comments`, { token: flagger.token, body: { body: "About a year for daily practice." } });
	await callApi(baseUrl, "PUT", `/forum/posts/${questionId}/accept/${answer.id}`, { token: asker.token });
	await callApi(baseUrl, "POST", "/forum/flags", { token: flagger.token, body: { itemType: "post", itemId: postId, reason: "spam", note: "selling rosin" } });
}

/** Opens a post from the New feed, as a member finds one. */
async function openFromNewFeed(driver: AppDriver, title: string) {
	await driver.openTab("Community");
	await driver.screen.locator("ion-segment-button", { hasText: "New" }).click();
	await driver.screen.getByRole("list", { name: "Posts" }).locator("ion-item", { hasText: title }).click();
	await driver.page.waitForURL(/\/tabs\/community\/[0-9a-f-]{36}$/);
	await driver.screen.getByRole("heading", { name: title }).waitFor();
}

/** One Chromium for both groups of this file. */
const browser = chromiumForThisFile();

describe("the community tab", () => {
	const baseUrl = inject("baseUrl");

	it("asks a question with markup in it, previews it as the server renders it, finds it by an unaccented search, and nothing injected runs", async () => {
		const stamp = Date.now();
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const student = await AppDriver.open(context, baseUrl);
		await student.register({ name: "Ada Quinn", email: `ada.${stamp}@example.com`, password: "practise-daily" });
		await student.openTab("Community");
		await student.screen.getByRole("link", { name: "Ask a question" }).click();
		await student.page.waitForURL("**/tabs/community/ask");

		const form = student.screen.getByRole("form", { name: "Ask the community" });
		const title = `Collé bowing at the frog ${stamp}`;
		await form.getByLabel("Title").fill(title);
		await form
			.getByLabel("Body (markdown)")
			.fill(`How do I keep the **collé** crisp? <img src=x onerror="window.etudeInjected = true"> Thanks ${stamp}`);
		const preview = student.screen.getByRole("region", { name: "Preview" });
		await preview.locator("strong", { hasText: "collé" }).waitFor();
		// Raw HTML is off on the server: the tag shows as text and no element is made of it.
		await preview.getByText("onerror", { exact: false }).waitFor();
		expect(await preview.locator("img").count()).toBe(0);
		expect(await student.unnamedControls()).toEqual([]);
		await screenshot(student.page, "community-ask-390x844");

		await form.getByRole("button", { name: "Post question" }).click();
		await student.page.waitForURL(/\/tabs\/community\/[0-9a-f-]{36}$/);
		await student.screen.getByRole("heading", { name: title }).waitFor();
		expect(await student.screen.locator("article img").count()).toBe(0);

		await student.openTab("Community");
		await student.screen.locator("ion-searchbar input").fill("colle bowing");
		const results = student.screen.getByRole("list", { name: "Search results" });
		const hit = results.locator("ion-item", { hasText: String(stamp) });
		await hit.waitFor();
		expect(await hit.locator("mark").count()).toBeGreaterThan(0);
		expect(await student.unnamedControls()).toEqual([]);
		await screenshot(student.page, "community-search-390x844");

		expect(await student.page.evaluate(() => (window as unknown as { etudeInjected?: boolean }).etudeInjected)).toBeUndefined();
		await context.close();
	});

	it("lets the asker edit their question on a phone, with the live preview, and read its revision history", async () => {
		const stamp = Date.now();
		const asker = await registerAccount(baseUrl, person("Ines Asker", stamp));
		const title = `Spiccato at the balance point ${stamp}`;
		await ask(baseUrl, asker, title, "Where on the bow should a spiccato start bouncing?");
		const context = await browser().newContext({ viewport: VIEWPORTS.phone });
		const driver = await AppDriver.open(context, baseUrl);
		await driver.signIn(asker);
		await openFromNewFeed(driver, title);

		await driver.screen.getByRole("link", { name: "Edit this question" }).click();
		await driver.page.waitForURL("**/edit");
		const form = driver.screen.getByRole("form", { name: "Edit the question" });
		const editedTitle = `Spiccato near the balance point ${stamp}`;
		await form.getByLabel("Title").fill(editedTitle);
		await form.getByLabel("Body (markdown)").fill("Where on the bow should a **spiccato** start bouncing, and how high?");
		await driver.screen.getByRole("region", { name: "Preview" }).locator("strong", { hasText: "spiccato" }).waitFor();
		expect(await driver.unnamedControls()).toEqual([]);
		await screenshot(driver.page, "community-edit-phone");
		await form.getByRole("button", { name: "Save changes" }).click();
		await driver.page.waitForURL(/\/tabs\/community\/[0-9a-f-]{36}$/);
		await driver.screen.getByRole("heading", { name: editedTitle }).waitFor();

		await driver.screen.getByRole("link", { name: "History of this question (2 revisions)" }).click();
		await driver.page.waitForURL("**/history");
		const revisions = driver.screen.getByRole("list", { name: "Revisions" });
		await revisions.getByRole("heading", { name: "Revision 2 (current)" }).waitFor();
		await revisions.getByText("Where on the bow should a spiccato start bouncing?", { exact: true }).waitFor();
		expect(await revisions.getByRole("heading", { level: 2 }).allTextContents()).toEqual(["Revision 2 (current)", "Revision 1"]);
		expect(await driver.unnamedControls()).toEqual([]);
		await screenshot(driver.page, "community-history-phone");
		await context.close();
	});
});

describe("community moderation", () => {
	// A backend of this file's own: a moderator is appointed with the operators' command, which needs the embedded
	// node stopped (scripts/make-moderator.ts), so it is started, stopped around the command and started again.
	const dataDir = mkdtempSync(join(tmpdir(), "etude-e2e-moderation-"));
	const stamp = Date.now();
	const moderatorPerson = person("Mona Moderator", stamp);
	let backend: Backend;
	beforeAll(async () => {
		const firstRun = await startBackend(BUILT_APP, { dataDir });
		await registerAccount(firstRun.baseUrl, moderatorPerson);
		await firstRun.stop();
		await makeModerator(dataDir, moderatorPerson.email);
		backend = await startBackend(BUILT_APP, { dataDir });
	});
	afterAll(async () => {
		await backend?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it("lets a moderator on a tablet find a flagged post in the review queue with its flag, delete it, and see that in the log", async () => {
		const author = await registerAccount(backend.baseUrl, person("Sam Seller", stamp));
		const title = `Cheap rosin for every bow ${stamp}`;
		const postId = await ask(backend.baseUrl, author, title, "Great deals on rosin, write to me for prices today.");
		await flagAsMemberWithThePrivilege(backend.baseUrl, postId);
		const context = await browser().newContext({ viewport: VIEWPORTS.tablet });
		const moderator = await AppDriver.open(context, backend.baseUrl);
		await moderator.signIn(moderatorPerson);

		await moderator.openTab("Community");
		await moderator.screen.getByRole("link", { name: "Moderation" }).click();
		await moderator.page.waitForURL("**/tabs/community/moderation");
		const queued = moderator.screen.getByRole("article", { name: `Queued post “${title}”` });
		await queued.getByRole("list", { name: `Flags on post “${title}”` }).getByText(/^Spam \(weight \d+\)/).waitFor();
		expect(await moderator.unnamedControls()).toEqual([]);
		await screenshot(moderator.page, "community-moderation-queue-tablet");

		await queued.getByRole("button", { name: `Delete post “${title}”` }).click();
		await moderator.screen.getByRole("status").filter({ hasText: `Deleted the post “${title}”.` }).waitFor();
		await queued.waitFor({ state: "detached" });
		const log = moderator.screen.getByRole("list", { name: "Moderator actions" });
		await log.getByRole("heading", { name: "Deleted a post" }).waitFor();
		await screenshot(moderator.page, "community-moderation-log-tablet");

		// Deleted is a tombstone: the post keeps its place without its words.
		expect(await callApi(backend.baseUrl, "GET", `/forum/posts/${postId}`, { token: author.token })).toMatchObject({ status: "deleted", title: "" });
		await context.close();
	});
});
