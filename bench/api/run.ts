// API benchmark: Etude's gateway against a bare node:http + pg server doing the same SQL,
// both on the same PostgreSQL, in the same run. Prints P50/P99/req/s and the ratio.
//   npm run bench:api            (BENCH_DURATION_S=10 BENCH_CONNECTIONS=50 by default)
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import path from "node:path";
import autocannon from "autocannon";
import { migrateDatabase } from "../../lib/db/migrator";
import { httpClient, practiceSession } from "../../test/support/http-client";
import { createScratchDatabase } from "../../test/support/postgres";
import { freePort } from "../../test/support/processes";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SEEDED_SESSIONS = 2000;
const TARGET_P50_MS = 15;
const TARGET_RATIO = 1.5;
const root = path.resolve(import.meta.dirname, "../..");

function startServer(script: string, env: Record<string, string>): ChildProcess {
	return fork(path.join(root, script), [], {
		cwd: root,
		execArgv: ["--import", "tsx"],
		env: { ...process.env, ...env },
		stdio: ["ignore", "ignore", "inherit", "ipc"]
	});
}

async function waitForHttp(url: string): Promise<void> {
	for (let attempt = 0; attempt < 300; attempt++) {
		try {
			await fetch(url);
			return;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
	throw new Error(`${url} never answered`);
}

interface Figures {
	p50: number;
	p99: number;
	rps: number;
	errors: number;
}

async function load(url: string, method: "GET" | "POST", headers: Record<string, string>, ids: string[]): Promise<Figures> {
	const result = await autocannon({
		url,
		connections: CONNECTIONS,
		duration: DURATION_S,
		requests: [
			{
				method,
				headers: { ...headers, "content-type": "application/json" },
				setupRequest: (request) =>
					method === "GET"
						? { ...request, path: `/api/sessions/${ids[Math.floor(Math.random() * ids.length)]}` }
						: { ...request, path: "/api/sessions", body: JSON.stringify(practiceSession({ id: randomUUID() })) }
			}
		]
	});
	return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, errors: result.non2xx + result.errors };
}

async function main(): Promise<void> {
	const database = await createScratchDatabase("etude_bench");
	await migrateDatabase(database.url);
	const etudePort = await freePort();
	const baselinePort = await freePort();
	const commonEnv = { DATABASE_URL: database.url, DATABASE_POOL_MAX: "20" };
	const etude = startServer("server.ts", {
		...commonEnv,
		PORT: String(etudePort),
		LOG_LEVEL: "warn",
		RATE_LIMIT_PER_MINUTE: "0",
		NODE_ENV: "production",
		JWT_SECRET: "bench-secret-that-is-long-enough-for-hs256-signing"
	});
	let baseline: ChildProcess | undefined;
	try {
		const etudeUrl = `http://127.0.0.1:${etudePort}`;
		await waitForHttp(`${etudeUrl}/api/health`);
		const http = httpClient(etudeUrl);
		const student = await http.register("student", "bench");
		const ids: string[] = [];
		for (let i = 0; i < SEEDED_SESSIONS; i++) {
			const session = practiceSession();
			await http.request("POST", "/api/sessions", { token: student.token, body: session });
			ids.push(session.id);
		}
		baseline = startServer("bench/api/baseline-server.ts", { ...commonEnv, PORT: String(baselinePort), BENCH_STUDENT_ID: student.id });
		const baselineUrl = `http://127.0.0.1:${baselinePort}`;
		await waitForHttp(baselineUrl);

		const auth = { authorization: `Bearer ${student.token}` };
		const rows: Array<[string, Figures, Figures]> = [];
		for (const method of ["GET", "POST"] as const) {
			// Warm both servers (JIT, pools) before measuring.
			await autocannon({ url: `${etudeUrl}/api/health`, connections: 10, duration: 2 });
			const ours = await load(etudeUrl, method, auth, ids);
			const bare = await load(baselineUrl, method, {}, ids);
			rows.push([method === "GET" ? "GET /api/sessions/:id" : "POST /api/sessions", ours, bare]);
		}

		console.log(`\nAPI benchmark: ${CONNECTIONS} connections, ${DURATION_S} s per run, PostgreSQL on loopback, ${SEEDED_SESSIONS} seeded sessions`);
		console.log("route                    | server   | P50 ms | P99 ms |   req/s | errors");
		console.log("-------------------------|----------|--------|--------|---------|-------");
		for (const [route, ours, bare] of rows) {
			for (const [name, figures] of [["etude", ours], ["baseline", bare]] as const) {
				console.log(
					`${route.padEnd(24)} | ${name.padEnd(8)} | ${figures.p50.toFixed(1).padStart(6)} | ${figures.p99.toFixed(1).padStart(6)} | ${figures.rps.toFixed(0).padStart(7)} | ${figures.errors}`
				);
			}
		}
		console.log("\nTargets: etude P50 <= 15 ms; P50 ratio to the bare node:http + pg baseline <= 1.5");
		for (const [route, ours, bare] of rows) {
			const ratio = ours.p50 / Math.max(bare.p50, 0.1);
			console.log(
				`${route}: P50 ${ours.p50} ms (${ours.p50 <= TARGET_P50_MS ? "meets" : "misses"} 15 ms), ratio ${ratio.toFixed(2)} (${ratio <= TARGET_RATIO ? "meets" : "misses"} 1.5), throughput ratio ${(bare.rps / ours.rps).toFixed(2)}x`
			);
		}
	} finally {
		baseline?.kill("SIGTERM");
		etude.kill("SIGTERM");
		await Promise.all([once(etude, "exit"), baseline ? once(baseline, "exit") : Promise.resolve()]);
		await database.drop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
