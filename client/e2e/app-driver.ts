import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";

/** Screenshots go to test-results/ at the repository root, as the team's other test output does. */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, "../../test-results/client-e2e");

export const VIEWPORTS = {
	phone: { width: 390, height: 844 },
	tablet: { width: 1024, height: 768 }
} as const;

export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			// A synthetic camera and microphone, granted without a prompt, for the recording tests.
			"--use-fake-ui-for-media-stream",
			"--use-fake-device-for-media-stream"
		]
	});
}

/** One Chromium for the tests of a file; each test opens its own context. */
export function chromiumForThisFile(): () => Browser {
	let browser: Browser | undefined;
	beforeAll(async () => {
		browser = await launchChromium();
	});
	afterAll(() => browser?.close());
	return () => {
		if (!browser) throw new Error("Chromium is not running yet");
		return browser;
	};
}

/** What any page of the running test had refused by the Content-Security-Policy; each one fails the test. */
const policyViolations: string[] = [];
afterEach(() => {
	expect(policyViolations.splice(0), "Content-Security-Policy violations").toEqual([]);
});

/** Collects the page's `securitypolicyviolation` events and the console errors Chromium writes for them. */
async function failOnPolicyViolations(page: Page) {
	page.on("console", (message) => {
		if (message.type() === "error" && message.text().includes("Content Security Policy"))
			policyViolations.push(message.text());
	});
	await page.exposeBinding("etudeReportPolicyViolation", (_source, violation: string) => {
		policyViolations.push(violation);
	});
	await page.addInitScript(() => {
		const report = (window as unknown as { etudeReportPolicyViolation(violation: string): void })
			.etudeReportPolicyViolation;
		document.addEventListener("securitypolicyviolation", (event) =>
			report(
				`${event.effectiveDirective} refused ${event.blockedURI || "inline code"} at ${event.sourceFile}:${event.lineNumber}`
			)
		);
	});
}

export async function screenshot(page: Page, name: string) {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	// Let Ionic finish its page transition and a "saved" toast fade, so the picture shows one clean screen.
	await page.locator("ion-toast").waitFor({ state: "detached" });
	await page.waitForTimeout(400);
	await page.screenshot({ path: resolve(SCREENSHOT_DIR, `${name}.png`) });
}

export interface Student {
	name: string;
	email: string;
	password: string;
	role?: "Student" | "Teacher";
}

/** Drives the app the way a student does: through labelled controls on the visible screen. */
export class AppDriver {
	constructor(
		readonly page: Page,
		readonly baseUrl: string
	) {}

	static async open(context: BrowserContext, baseUrl: string): Promise<AppDriver> {
		const page = await context.newPage();
		page.on("pageerror", (error) => console.error("page error:", error.message));
		await failOnPolicyViolations(page);
		await page.goto(`${baseUrl}/`);
		return new AppDriver(page, baseUrl);
	}

	/** Ionic keeps earlier pages of a stack in the DOM, hidden: only the visible one is meant. */
	get screen() {
		return this.page.locator(".ion-page:not(.ion-page-hidden)").last();
	}

	async register(student: Student) {
		await this.page.getByRole("link", { name: "Create an account" }).click();
		const form = this.page.getByRole("form", { name: "Create an account" });
		await form.getByLabel("Your name").fill(student.name);
		await form.getByLabel("Email").fill(student.email);
		await form.getByLabel("Password (at least 8 characters)").fill(student.password);
		if (student.role === "Teacher") await form.locator("ion-segment-button", { hasText: "Teacher" }).click();
		await form.getByRole("button", { name: "Create account" }).click();
		// Each role lands on its own first tab.
		await this.page.waitForURL(/\/tabs\/[a-z]+$/);
	}

	async signIn(student: Student) {
		const form = this.page.getByRole("form", { name: "Sign in" });
		await form.getByLabel("Email").fill(student.email);
		await form.getByLabel("Password").fill(student.password);
		await form.getByRole("button", { name: "Sign in" }).click();
		await this.page.waitForURL("**/tabs/practice");
	}

	/**
	 * Signs out from Settings. When the app warns about unsent work, answers with the button whose name starts
	 * with `answer` and returns the warning; returns null when it signed out without asking.
	 */
	async signOut(answer: "Keep" | "Discard" = "Keep"): Promise<string | null> {
		await this.openTab("Settings");
		await this.screen.getByRole("button", { name: "Sign out" }).click();
		const warning = this.page.locator("ion-alert");
		const outcome = await Promise.race([
			warning.waitFor({ state: "visible" }).then(() => "warned" as const),
			this.page.waitForURL("**/login").then(() => "signedOut" as const)
		]);
		if (outcome === "signedOut") return null;
		const message = (await warning.locator(".alert-message").textContent()) ?? "";
		await warning.getByRole("button", { name: new RegExp(`^${answer}`) }).click();
		await this.page.waitForURL("**/login");
		return message;
	}

	async openTab(label: "Practice" | "Sessions" | "Progress" | "Community" | "Settings" | "Lessons" | "Students" | "Review" | "Tags") {
		await this.page.locator("ion-tab-button", { hasText: label }).click();
		await this.page.waitForURL(`**/tabs/${label.toLowerCase()}`);
	}

	/** Controls in the accessibility tree, as the browser computes it, that have no name a screen reader could say. */
	async unnamedControls(): Promise<string[]> {
		const tree = await this.page.locator("body").ariaSnapshot();
		return tree
			.split("\n")
			.filter((line) =>
				/^\s*- (button|textbox|combobox|checkbox|radio|switch|slider|spinbutton|link)(\s*\[.*\])?:?$/.test(line)
			);
	}

	/** Picks an option of a popover select on the visible screen. */
	async choose(selectLabel: string, option: string) {
		const select = this.screen.locator(`ion-select[label="${selectLabel}"]`);
		const popover = this.page.locator("ion-popover");
		// On a loaded machine a tap can land while the form re-renders after the last save and open
		// nothing (a person taps again): tap until the options are presented, a few times at most.
		for (let attempt = 1; ; attempt += 1) {
			await select.click();
			const presented = await popover.waitFor({ state: "visible", timeout: 5_000 }).then(() => true, () => false);
			if (presented) break;
			if (attempt === 3) throw new Error(`The "${selectLabel}" select opened no options after ${attempt} taps`);
		}
		await popover.locator("ion-radio", { hasText: option }).click();
		await this.page.locator("ion-popover").waitFor({ state: "detached" });
	}

	/** Fills and saves the log form; returns what the confirmation said. */
	async logSession(options: {
		focus: string;
		minutes: number;
		rating?: number;
		note?: string;
		newTag?: string;
		/** Runs once the form is filled, just before saving. */
		beforeSave?: () => Promise<void>;
	}): Promise<string | null> {
		await this.openTab("Practice");
		const form = this.page.getByRole("form", { name: "Log a practice session" });
		await this.choose("Focus", options.focus);
		await form.getByLabel("Minutes practised").fill(String(options.minutes));
		if (options.rating) await form.locator("ion-radio", { hasText: `${options.rating}★` }).click();
		if (options.note) await form.getByLabel("Note").fill(options.note);
		if (options.newTag) {
			await form.getByLabel("New tag", { exact: true }).fill(options.newTag);
			await form.getByRole("button", { name: "Add tag" }).click();
			await form.getByRole("checkbox", { name: `Tag ${options.newTag}`, checked: true }).waitFor();
		}
		const toast = this.page.locator("ion-toast");
		// The confirmation read below must be this save's, not the last one's still fading.
		await toast.waitFor({ state: "detached" });
		await options.beforeSave?.();
		await form.getByRole("button", { name: "Save session" }).click();
		await toast.waitFor({ state: "attached" });
		return toast.evaluate((element) => (element as HTMLElement & { message?: string }).message ?? null);
	}
}

/** Signs in beside the browser and calls the API with the student's own credentials. */
export async function apiAs(baseUrl: string, student: Student) {
	const login = await fetch(`${baseUrl}/api/auth/login`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify({ email: student.email, password: student.password })
	});
	const { token } = (await login.json()) as { token: string };
	return async <T>(method: string, path: string): Promise<T> => {
		const response = await fetch(`${baseUrl}/api${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
		return (response.status === 204 ? undefined : await response.json()) as T;
	};
}

/** Reads the server's truth with the student's own credentials, beside the browser. */
export async function sessionsOnServer(baseUrl: string, student: Student) {
	const call = await apiAs(baseUrl, student);
	return call<{
		items: Array<{ id: string; focus: string; durationMinutes: number; note: string | null; videos: unknown[] }>;
		total: number;
	}>("GET", "/sessions?limit=100");
}
