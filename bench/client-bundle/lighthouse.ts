import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface LighthouseFigures {
	performance: number;
	accessibility: number;
	bestPractices: number;
	firstContentfulPaintMs: number;
	largestContentfulPaintMs: number;
	totalBlockingTimeMs: number;
	speedIndexMs: number;
	cumulativeLayoutShift: number;
	unusedJavaScriptBytes: number;
	totalByteWeight: number;
}

/**
 * Lighthouse's default audit, which is the mobile one: a Moto G Power sized screen, simulated slow 4G (150 ms RTT,
 * 1.6 Mbit/s) and a 4× slower CPU, in Debian's Chromium with a fresh profile.
 */
export async function auditWithLighthouse(url: string): Promise<LighthouseFigures> {
	const chrome = await chromeLauncher.launch({
		chromePath: CHROMIUM_PATH,
		chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
	});
	try {
		const result = await lighthouse(url, {
			port: chrome.port,
			output: "json",
			logLevel: "error",
			onlyCategories: ["performance", "accessibility", "best-practices"]
		});
		if (!result) throw new Error(`Lighthouse returned no result for ${url}`);
		const { categories, audits } = result.lhr;
		const score = (name: string) => categories[name]?.score ?? NaN;
		const value = (name: string) => audits[name]?.numericValue ?? NaN;
		const unusedJavaScript = audits["unused-javascript"]?.details as { overallSavingsBytes?: number } | undefined;
		return {
			performance: score("performance"),
			accessibility: score("accessibility"),
			bestPractices: score("best-practices"),
			firstContentfulPaintMs: value("first-contentful-paint"),
			largestContentfulPaintMs: value("largest-contentful-paint"),
			totalBlockingTimeMs: value("total-blocking-time"),
			speedIndexMs: value("speed-index"),
			cumulativeLayoutShift: value("cumulative-layout-shift"),
			unusedJavaScriptBytes: unusedJavaScript?.overallSavingsBytes ?? 0,
			totalByteWeight: value("total-byte-weight")
		};
	} finally {
		chrome.kill();
	}
}
