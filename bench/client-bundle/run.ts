/**
 * Web delivery benchmark: builds the app, serves it from a real api node (precompressed files, cache headers,
 * service worker) and, as the same-run baseline, serves the same build the old way (uncompressed, no cache
 * headers, no service worker). For each: the sign-in page in Debian's Chromium as a phone on a 4G-like
 * connection — first contentful paint, time until the sign-in form takes input, JavaScript transferred — on a
 * first and a repeat visit, then Lighthouse's mobile audit.
 *
 *   npm run bench:client          BENCH_RUNS=5 page loads and BENCH_LIGHTHOUSE_RUNS=3 audits per server
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../broker.config";
import { startNode } from "../../lib/node";
import { freePort } from "../../test/support/processes";
import { startBaselineServer } from "./baseline-server";
import { auditWithLighthouse, type LighthouseFigures } from "./lighthouse";
import { launchChromium, measureVisits, THROTTLING, type PageLoad, type Visits } from "./page-load";

const CLIENT_DIR = path.resolve(import.meta.dirname, "../../client");
const DIST_DIR = path.join(CLIENT_DIR, "dist");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LIGHTHOUSE_RUNS = Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 3);
const LOGIN_ROUTE_JS_BUDGET_BYTES = 150 * 1024;
const PERFORMANCE_TARGET = 0.9;

type Target = "ours" | "baseline";

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of every field, taken field by field. */
function medians<T extends object>(samples: T[]): T {
	const keys = Object.keys(samples[0]!) as Array<keyof T>;
	return Object.fromEntries(keys.map((key) => [key, median(samples.map((sample) => Number(sample[key])))])) as T;
}

async function startOurs(): Promise<{ baseUrl: string; stop(): Promise<void> }> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-bench-client-"));
	const port = await freePort();
	const node = await startNode(
		loadConfig({
			PORT: String(port),
			HOST: "127.0.0.1",
			DATA_DIR: dataDir,
			CLIENT_DIST_DIR: DIST_DIR,
			LOG_LEVEL: "warn",
			RATE_LIMIT_PER_MINUTE: "0",
			NAMESPACE: `bench-client-${process.pid}`
		})
	);
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		async stop() {
			await node.stop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

const ms = (value: number) => `${Math.round(value)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const score = (value: number) => value.toFixed(2);
const row = (label: string, ours: string, baseline: string) => `${label.padEnd(40)}${ours.padEnd(22)}${baseline}`;

function pageLoadRows(visit: string, ours: PageLoad, baseline: PageLoad): string[] {
	return [
		row(`${visit}: first contentful paint`, ms(ours.firstContentfulPaintMs), ms(baseline.firstContentfulPaintMs)),
		row(`${visit}: sign-in form takes input`, ms(ours.signInReadyMs), ms(baseline.signInReadyMs)),
		row(
			`${visit}: JavaScript transferred`,
			`${kb(ours.scriptBytes)} (${ours.scriptsFromNetwork} files)`,
			`${kb(baseline.scriptBytes)} (${baseline.scriptsFromNetwork} files)`
		),
		row(`${visit}: all bytes transferred`, kb(ours.totalBytes), kb(baseline.totalBytes))
	];
}

function lighthouseRows(ours: LighthouseFigures, baseline: LighthouseFigures): string[] {
	return [
		row("performance", score(ours.performance), score(baseline.performance)),
		row("  first contentful paint", ms(ours.firstContentfulPaintMs), ms(baseline.firstContentfulPaintMs)),
		row("  largest contentful paint", ms(ours.largestContentfulPaintMs), ms(baseline.largestContentfulPaintMs)),
		row("  total blocking time", ms(ours.totalBlockingTimeMs), ms(baseline.totalBlockingTimeMs)),
		row("  speed index", ms(ours.speedIndexMs), ms(baseline.speedIndexMs)),
		row("  cumulative layout shift", ours.cumulativeLayoutShift.toFixed(3), baseline.cumulativeLayoutShift.toFixed(3)),
		row("  unused JavaScript", kb(ours.unusedJavaScriptBytes), kb(baseline.unusedJavaScriptBytes)),
		row("  total byte weight", kb(ours.totalByteWeight), kb(baseline.totalByteWeight)),
		row("accessibility", score(ours.accessibility), score(baseline.accessibility)),
		row("best practices", score(ours.bestPractices), score(baseline.bestPractices))
	];
}

execFileSync("npm", ["--prefix", CLIENT_DIR, "run", "build"], {
	stdio: ["ignore", "ignore", "inherit"],
	env: { ...process.env, NODE_ENV: "production" }
});
const [ours, baseline] = await Promise.all([startOurs(), startBaselineServer(DIST_DIR)]);
const servers: Record<Target, { baseUrl: string; serviceWorker: boolean }> = {
	ours: { baseUrl: ours.baseUrl, serviceWorker: true },
	baseline: { baseUrl: baseline.baseUrl, serviceWorker: false }
};
try {
	const visits: Record<Target, Visits[]> = { ours: [], baseline: [] };
	const browser = await launchChromium();
	try {
		for (let run = 0; run < RUNS; run += 1) {
			// Alternating the order spreads the machine's other load evenly over both.
			for (const target of (run % 2 ? ["baseline", "ours"] : ["ours", "baseline"]) as Target[]) {
				visits[target].push(await measureVisits(browser, `${servers[target].baseUrl}`, servers[target]));
			}
		}
	} finally {
		await browser.close();
	}
	const audits: Record<Target, LighthouseFigures[]> = { ours: [], baseline: [] };
	for (let run = 0; run < LIGHTHOUSE_RUNS; run += 1) {
		for (const target of (run % 2 ? ["baseline", "ours"] : ["ours", "baseline"]) as Target[]) {
			audits[target].push(await auditWithLighthouse(`${servers[target].baseUrl}/login`));
		}
	}

	const first = { ours: medians(visits.ours.map((v) => v.first)), baseline: medians(visits.baseline.map((v) => v.first)) };
	const repeat = { ours: medians(visits.ours.map((v) => v.repeat)), baseline: medians(visits.baseline.map((v) => v.repeat)) };
	const lighthouse = { ours: medians(audits.ours), baseline: medians(audits.baseline) };
	const targets = [
		["sign-in JavaScript ≤ 150 KB transferred", first.ours.scriptBytes <= LOGIN_ROUTE_JS_BUDGET_BYTES],
		["Lighthouse performance ≥ 0.90", lighthouse.ours.performance >= PERFORMANCE_TARGET],
		["Lighthouse accessibility 1.00", lighthouse.ours.accessibility === 1]
	] as const;
	process.stdout.write(
		[
			`Sign-in page (/login), Chromium 390×844 ×3, ${THROTTLING.latencyMs} ms latency, ` +
				`${THROTTLING.downloadKbps} / ${THROTTLING.uploadKbps} kbit/s, CPU ×${THROTTLING.cpuSlowdown}; median of ${RUNS}`,
			row("", "ours", "baseline: same build served as before"),
			...pageLoadRows("first visit", first.ours, first.baseline),
			...pageLoadRows("repeat visit", repeat.ours, repeat.baseline),
			"",
			`Lighthouse ${"(mobile, simulated slow 4G)"}; median of ${LIGHTHOUSE_RUNS}`,
			...lighthouseRows(lighthouse.ours, lighthouse.baseline),
			"",
			...targets.map(([target, met]) => `${met ? "met   " : "MISSED"} ${target}`),
			""
		].join("\n")
	);
	process.exitCode = targets.every(([, met]) => met) ? 0 : 1;
} finally {
	await Promise.all([ours.stop(), baseline.stop()]);
}
