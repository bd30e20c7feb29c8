import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/**
 * The sign-in page loaded in Debian's Chromium as a phone on a 4G-like connection would: what it transfers, when it
 * first paints, and when the sign-in form can take input.
 */

const CLIENT_DIR = resolve(import.meta.dirname, "../../client");
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Lighthouse's mobile "slow 4G" profile as DevTools applies it per request (its RTT and throughput adjusted for
 * request-level throttling: 150 ms RTT → 562.5 ms, 1.6 Mbit/s → 1.47 Mbit/s), with a 4× slower CPU.
 */
export const THROTTLING = {
	latencyMs: 562.5,
	downloadKbps: 1474.56,
	uploadKbps: 675,
	cpuSlowdown: 4
};
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

/**
 * Runs in the page from its first script on: records when the sign-in form's email field exists, is laid out and
 * enabled, and a frame has been produced after it — the moment a person can tap it and type.
 */
const SIGN_IN_READY_PROBE = `(() => {
	const ready = () => {
		const input = document.querySelector("form[aria-label='Sign in'] input[type=email]");
		return input !== null && !input.disabled && input.getBoundingClientRect().height > 0;
	};
	const check = () => {
		if (ready()) requestAnimationFrame(() => { window.__etudeSignInReadyMs = performance.now(); });
		else requestAnimationFrame(check);
	};
	requestAnimationFrame(check);
})()`;

const COLLECT_METRICS = `(() => {
	const resources = performance.getEntriesByType("resource");
	const scripts = resources.filter((entry) => new URL(entry.name).pathname.endsWith(".js"));
	const navigation = performance.getEntriesByType("navigation")[0];
	return {
		firstContentfulPaintMs: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
		signInReadyMs: window.__etudeSignInReadyMs,
		scriptBytes: scripts.reduce((sum, entry) => sum + entry.transferSize, 0),
		scriptsFromNetwork: scripts.filter((entry) => entry.transferSize > 0).length,
		totalBytes: resources.reduce((sum, entry) => sum + entry.transferSize, navigation?.transferSize ?? 0)
	};
})()`;

export interface PageLoad {
	firstContentfulPaintMs: number;
	signInReadyMs: number;
	/** Bytes on the wire for JavaScript (headers included), as the browser counts them; 0 for cached files. */
	scriptBytes: number;
	scriptsFromNetwork: number;
	totalBytes: number;
}

export interface Visits {
	first: PageLoad;
	repeat: PageLoad;
}

interface CdpSession {
	send(method: string, params?: Record<string, unknown>): Promise<unknown>;
}
interface BenchPage {
	addInitScript(script: string): Promise<void>;
	goto(url: string): Promise<unknown>;
	waitForFunction(predicate: () => boolean, arg?: unknown, options?: { timeout: number }): Promise<unknown>;
	waitForLoadState(state: "networkidle"): Promise<void>;
	evaluate<T>(expression: string): Promise<T>;
	locator(selector: string): { fill(value: string): Promise<void>; inputValue(): Promise<string> };
	close(): Promise<void>;
}
interface BenchContext {
	newPage(): Promise<BenchPage>;
	newCDPSession(page: BenchPage): Promise<CdpSession>;
	close(): Promise<void>;
}
export interface BenchBrowser {
	newContext(options: typeof PHONE & { serviceWorkers: "allow" }): Promise<BenchContext>;
	close(): Promise<void>;
}
interface PlaywrightCore {
	chromium: { launch(options: { executablePath: string; args: string[] }): Promise<BenchBrowser> };
}

export function launchChromium(): Promise<BenchBrowser> {
	// playwright-core is a dependency of the client project, not of the root.
	const { chromium } = createRequire(join(CLIENT_DIR, "package.json"))("playwright-core") as PlaywrightCore;
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"]
	});
}

async function throttledPage(context: BenchContext): Promise<BenchPage> {
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send("Network.enable");
	await cdp.send("Network.emulateNetworkConditions", {
		offline: false,
		latency: THROTTLING.latencyMs,
		downloadThroughput: (THROTTLING.downloadKbps * 1024) / 8,
		uploadThroughput: (THROTTLING.uploadKbps * 1024) / 8
	});
	await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLING.cpuSlowdown });
	await page.addInitScript(SIGN_IN_READY_PROBE);
	return page;
}

async function loadSignIn(page: BenchPage, baseUrl: string): Promise<PageLoad> {
	await page.goto(`${baseUrl}/login`);
	// A function, not a string: Playwright would evaluate a string with eval, which the page's policy forbids.
	await page.waitForFunction(() => (globalThis as { __etudeSignInReadyMs?: number }).__etudeSignInReadyMs !== undefined, undefined, {
		timeout: 120_000
	});
	await page.waitForLoadState("networkidle");
	// Interactive means it takes input, not only that it is drawn.
	const email = page.locator("form[aria-label='Sign in'] input[type=email]");
	await email.fill("student@example.org");
	if ((await email.inputValue()) !== "student@example.org") throw new Error("The sign-in form did not take input");
	return page.evaluate<PageLoad>(COLLECT_METRICS);
}

/**
 * A first visit in a fresh browser profile, then a repeat visit in the same profile (HTTP cache and, where the
 * server offers one, the service worker), each in a new tab.
 */
export async function measureVisits(browser: BenchBrowser, baseUrl: string, options: { serviceWorker: boolean }): Promise<Visits> {
	const context = await browser.newContext({ ...PHONE, serviceWorkers: "allow" });
	try {
		const firstPage = await throttledPage(context);
		const first = await loadSignIn(firstPage, baseUrl);
		// The repeat visit comes once the service worker has cached the app shell, as it would on a phone.
		if (options.serviceWorker) await firstPage.evaluate("navigator.serviceWorker.ready.then(() => true)");
		await firstPage.close();
		const repeat = await loadSignIn(await throttledPage(context), baseUrl);
		return { first, repeat };
	} finally {
		await context.close();
	}
}
