// API benchmark: Etude's gateway against a bare node:http + pg server replaying the SQL Etude
// sent for the same route (bench/api/sql-capture.ts records it inside the Etude process), both on
// the same PostgreSQL, both warmed, in the same run. Prints P50/P99/req/s and the ratios.
// The machine is shared, so its load moves during a run: each route is measured in BENCH_ROUNDS
// rounds alternating the two servers (which goes first alternates too) and the median round counts.
//   npm run bench:api            (BENCH_ROUNDS=3 BENCH_DURATION_S=5 BENCH_WARMUP_S=3 BENCH_CONNECTIONS=50 by default)
//   BENCH_SHOW_SQL=1             also prints the captured statements of each route
//   BENCH_ROUTES=get,list        only these routes (get, create, list)
//   BENCH_CPU_PROF=<dir>         writes a V8 CPU profile of the Etude server there (node --cpu-prof)
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { migrateDatabase } from "../../lib/db/migrator";
import { httpClient, practiceSession } from "../../test/support/http-client";
import { createScratchDatabase } from "../../test/support/postgres";
import { freePort } from "../../test/support/processes";
import type { RoutePlan, RouteName } from "./baseline-server";
import type { CapturedStatement } from "../support/pg-capture";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SEEDED_SESSIONS = 2000;
const PAGE_SIZE = 20;
const TARGET_P50_RATIO = 1.5;
const TARGET_THROUGHPUT_RATIO = 0.67;
const root = path.resolve(import.meta.dirname, "../..");

function startServer(script: string, env: Record<string, string>, preload: string[] = [], nodeOptions: string[] = []): ChildProcess {
	return fork(path.join(root, script), [], {
		cwd: root,
		execArgv: [...nodeOptions, "--import", "tsx", ...preload.flatMap((module) => ["--import", module])],
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
	/** The server process's CPU time (user + system) per answered request. */
	cpuMsPerRequest: number;
}

// /proc/<pid>/stat counts in clock ticks, 100 per second on Linux.
const TICK_MS = 10;

function cpuMsOf(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
	return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface Route {
	name: RouteName;
	label: string;
	method: "GET" | "POST";
	path: () => string;
	body?: () => string;
}

async function load(server: ChildProcess, url: string, route: Route, headers: Record<string, string>, durationS: number): Promise<Figures> {
	const cpuBeforeMs = cpuMsOf(server.pid!);
	const result = await autocannon({
		url,
		connections: CONNECTIONS,
		duration: durationS,
		requests: [
			{
				method: route.method,
				headers: { ...headers, "content-type": "application/json" },
				setupRequest: (request) => ({ ...request, path: route.path(), ...(route.body ? { body: route.body() } : {}) })
			}
		]
	});
	return {
		p50: result.latency.p50,
		p99: result.latency.p99,
		rps: result.requests.average,
		errors: result.non2xx + result.errors,
		cpuMsPerRequest: (cpuMsOf(server.pid!) - cpuBeforeMs) / Math.max(result.requests.total, 1)
	};
}

/** The statements the Etude server sends to PostgreSQL while answering one request. */
async function captureSql(etude: ChildProcess, request: () => Promise<{ status: number }>): Promise<CapturedStatement[]> {
	etude.send({ sqlCapture: "start" });
	const response = await request();
	if (response.status >= 300) throw new Error(`the captured request failed: ${response.status}`);
	// The response can leave before the last statement is answered (a COMMIT after the reply).
	await new Promise((resolve) => setTimeout(resolve, 200));
	const answer = once(etude, "message");
	etude.send({ sqlCapture: "stop" });
	const [{ captured }] = (await answer) as [{ captured: CapturedStatement[] }];
	return captured;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median P50, P99 and req/s over the rounds; errors summed. */
function medianOf(rounds: Figures[]): Figures {
	return {
		p50: median(rounds.map((round) => round.p50)),
		p99: median(rounds.map((round) => round.p99)),
		rps: median(rounds.map((round) => round.rps)),
		errors: rounds.reduce((sum, round) => sum + round.errors, 0),
		cpuMsPerRequest: median(rounds.map((round) => round.cpuMsPerRequest))
	};
}

function pick<T>(items: T[]): T {
	return items[Math.floor(Math.random() * items.length)]!;
}

async function main(): Promise<void> {
	const database = await createScratchDatabase("etude_bench");
	await migrateDatabase(database.url);
	const etudePort = await freePort();
	const baselinePort = await freePort();
	const commonEnv = { DATABASE_URL: database.url, DATABASE_POOL_MAX: "20" };
	const etude = startServer(
		"server.ts",
		{
			...commonEnv,
			PORT: String(etudePort),
			LOG_LEVEL: "warn",
			RATE_LIMIT_PER_MINUTE: "0",
			NODE_ENV: "production",
			JWT_SECRET: "bench-secret-that-is-long-enough-for-hs256-signing"
		},
		["./bench/api/sql-capture.ts"],
		process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
	);
	let baseline: ChildProcess | undefined;
	try {
		const etudeUrl = `http://127.0.0.1:${etudePort}`;
		await waitForHttp(`${etudeUrl}/api/health`);
		const http = httpClient(etudeUrl);
		const student = await http.register("student", "bench");
		const tagIds: string[] = [];
		for (const name of ["Bow division", "Intonation"]) {
			const tag = await http.request("POST", "/api/tags", { token: student.token, body: { name, color: "#3366aa" } });
			if (tag.status !== 201) throw new Error(`tag: ${tag.status} ${JSON.stringify(tag.body)}`);
			tagIds.push(tag.body.id);
		}
		// Every session carries two tags; every other one has a finished recording (the list shows both kinds).
		const sessionAt = (index: number) => new Date(Date.parse("2026-11-28T17:00:00Z") - index * 3_600_000);
		const seeded: string[] = [];
		for (let batch = 0; batch < SEEDED_SESSIONS; batch += 10) {
			await Promise.all(
				Array.from({ length: 10 }, async (_, offset) => {
					const index = batch + offset;
					const session = practiceSession({ startedAt: sessionAt(index).toISOString(), endedAt: new Date(sessionAt(index).getTime() + 1_800_000).toISOString(), tagIds });
					const response = await http.request("POST", "/api/sessions", { token: student.token, body: session });
					if (response.status !== 201) throw new Error(`seed: ${response.status} ${JSON.stringify(response.body)}`);
					seeded[index] = session.id;
				})
			);
		}
		const recorded = seeded.filter((_, index) => index % 2 === 0);
		const admin = new pg.Client({ connectionString: database.url });
		await admin.connect();
		await admin.query(
			`INSERT INTO videos (session_id, owner_id, state, progress_percent, duration_s, playlist_key)
			 SELECT id, $2, 'ready', 100, 300, 'bench/' || id || '/720p.m3u8' FROM unnest($1::uuid[]) AS id`,
			[recorded, student.id]
		);
		await admin.query("ANALYZE");
		await admin.end();

		const sessionBody = () => JSON.stringify(practiceSession({ id: randomUUID(), tagIds }));
		const routes: Route[] = [
			{ name: "get", label: "GET /api/sessions/:id", method: "GET", path: () => `/api/sessions/${pick(recorded)}` },
			{ name: "create", label: "POST /api/sessions", method: "POST", path: () => "/api/sessions", body: sessionBody },
			{ name: "list", label: "GET /api/sessions", method: "GET", path: () => `/api/sessions?limit=${PAGE_SIZE}` }
		];

		// One request of each route while recording its SQL, after one unrecorded request warmed that path.
		const token = { token: student.token };
		const plans = {} as Record<RouteName, RoutePlan>;
		await http.request("GET", `/api/sessions/${recorded[0]}`, token);
		plans.get = { sessionId: recorded[1], statements: await captureSql(etude, () => http.request("GET", `/api/sessions/${recorded[1]}`, token)) };
		await http.request("POST", "/api/sessions", { ...token, body: JSON.parse(sessionBody()) });
		const created = JSON.parse(sessionBody()) as { id: string };
		plans.create = { sessionId: created.id, statements: await captureSql(etude, () => http.request("POST", "/api/sessions", { ...token, body: created })) };
		await http.request("GET", `/api/sessions?limit=${PAGE_SIZE}`, token);
		plans.list = { statements: await captureSql(etude, () => http.request("GET", `/api/sessions?limit=${PAGE_SIZE}`, token)) };

		baseline = startServer("bench/api/baseline-server.ts", { ...commonEnv, PORT: String(baselinePort) });
		const baselineReady = once(baseline, "message");
		baseline.send({ plans });
		await baselineReady;
		const baselineUrl = `http://127.0.0.1:${baselinePort}`;

		const auth = { authorization: `Bearer ${student.token}` };
		// Ratios are taken round by round, each against the baseline measured beside it.
		const rows: Array<[Route, Figures, Figures, Array<{ p50: number; rps: number }>]> = [];
		const measured = process.env.BENCH_ROUTES ? routes.filter((route) => process.env.BENCH_ROUTES!.split(",").includes(route.name)) : routes;
		for (const route of measured) {
			await load(etude, etudeUrl, route, auth, WARMUP_S);
			await load(baseline, baselineUrl, route, {}, WARMUP_S);
			const ours: Figures[] = [];
			const bare: Figures[] = [];
			for (let round = 0; round < ROUNDS; round++) {
				if (round % 2 === 1) bare.push(await load(baseline, baselineUrl, route, {}, DURATION_S));
				ours.push(await load(etude, etudeUrl, route, auth, DURATION_S));
				if (round % 2 === 0) bare.push(await load(baseline, baselineUrl, route, {}, DURATION_S));
			}
			rows.push([route, medianOf(ours), medianOf(bare), ours.map((figures, round) => ({ p50: figures.p50 / Math.max(bare[round]!.p50, 0.1), rps: figures.rps / bare[round]!.rps }))]);
		}

		console.log(`\nAPI benchmark: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up, then ${ROUNDS} rounds of ${DURATION_S} s per server (medians), PostgreSQL on loopback, ${SEEDED_SESSIONS} seeded sessions (2 tags each, every other one recorded)`);
		console.log("\nSQL per request (captured from the Etude server, replayed by the baseline):");
		for (const route of routes) {
			const statements = plans[route.name].statements;
			const connections = new Set(statements.map((statement) => statement.connection)).size;
			console.log(`  ${route.label}: ${statements.length} round trips on ${connections} connection(s)`);
			if (process.env.BENCH_SHOW_SQL) for (const statement of statements) console.log(`    [${statement.connection}] ${statement.text.replace(/\s+/g, " ").slice(0, 240)}`);
		}
		console.log("\nroute                    | server   | P50 ms | P99 ms |   req/s | CPU ms/req | errors");
		console.log("-------------------------|----------|--------|--------|---------|------------|-------");
		for (const [route, ours, bare] of rows) {
			for (const [name, figures] of [["etude", ours], ["baseline", bare]] as const) {
				console.log(
					`${route.label.padEnd(24)} | ${name.padEnd(8)} | ${figures.p50.toFixed(1).padStart(6)} | ${figures.p99.toFixed(1).padStart(6)} | ${figures.rps.toFixed(0).padStart(7)} | ${figures.cpuMsPerRequest.toFixed(2).padStart(10)} | ${figures.errors}`
				);
			}
		}
		console.log(`\nTargets: P50 ratio to the baseline <= ${TARGET_P50_RATIO}; throughput >= ${TARGET_THROUGHPUT_RATIO} of the baseline's (medians of the rounds' ratios)`);
		for (const [route, ours, bare, ratios] of rows) {
			const p50Ratio = median(ratios.map((ratio) => ratio.p50));
			const throughputRatio = median(ratios.map((ratio) => ratio.rps));
			const perRound = ratios.map((ratio) => `${ratio.p50.toFixed(2)}/${ratio.rps.toFixed(2)}`);
			console.log(
				`${route.label}: P50 ratio ${p50Ratio.toFixed(2)} (${p50Ratio <= TARGET_P50_RATIO ? "meets" : "misses"}), throughput ratio ${throughputRatio.toFixed(2)} (${throughputRatio >= TARGET_THROUGHPUT_RATIO ? "meets" : "misses"}), P99 ${ours.p99} vs ${bare.p99} ms; rounds (P50 ratio/throughput ratio) ${perRound.join(" ")}`
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
