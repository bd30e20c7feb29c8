// The yardstick for bench/api: node:http and pg replaying, for each request, the statements the
// Etude server sent for one request of the same route (captured by bench/api/sql-capture.ts):
// the same text and values, the role switch on connect, the SET LOCALs, the transactions, and
// side by side where Etude ran them side by side. No gateway, no token check, no services.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { baselinePool, replay, replayPlan, type CapturedStatement, type ReplayPlan } from "../support/sql-replay";

export type RouteName = "get" | "create" | "list";

export interface RoutePlan {
	statements: CapturedStatement[];
	/** The session id of the captured request, replaced by the id of each replayed one. */
	sessionId?: string;
}

const pool = baselinePool(process.env.DATABASE_URL!, Number(process.env.DATABASE_POOL_MAX ?? 20));

interface CompiledRoute {
	plan: ReplayPlan;
	sessionId?: string;
}

let routes: Record<RouteName, CompiledRoute> | undefined;

function substitute(value: unknown, from: string | undefined, to: string | undefined): unknown {
	return from && to && typeof value === "string" ? value.replaceAll(from, to) : value;
}

function replayRoute(route: CompiledRoute, sessionId: string | undefined): Promise<unknown[]> {
	return replay(pool, route.plan, (value) => substitute(value, route.sessionId, sessionId));
}

const server = createServer(async (req, res) => {
	try {
		const [pathname] = (req.url ?? "").split("?");
		const byId = pathname!.match(/^\/api\/sessions\/([0-9a-f-]{36})$/);
		let results: unknown[];
		let status = 200;
		if (req.method === "GET" && byId) results = await replayRoute(routes!.get, byId[1]);
		else if (req.method === "GET" && pathname === "/api/sessions") results = await replayRoute(routes!.list, undefined);
		else if (req.method === "POST" && pathname === "/api/sessions") {
			let raw = "";
			for await (const chunk of req) raw += chunk;
			const body = JSON.parse(raw) as { id?: string };
			results = await replayRoute(routes!.create, body.id ?? randomUUID());
			status = 201;
		} else {
			res.writeHead(404).end();
			return;
		}
		res.writeHead(status, { "content-type": "application/json" });
		res.end(JSON.stringify(results));
	} catch (error) {
		res.writeHead(500).end(String(error));
	}
});

process.on("message", (message: { plans?: Record<RouteName, RoutePlan> }) => {
	if (!message?.plans) return;
	routes = Object.fromEntries(
		Object.entries(message.plans).map(([name, plan]) => [name, { plan: replayPlan(plan.statements), sessionId: plan.sessionId }])
	) as Record<RouteName, CompiledRoute>;
	server.listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
});
process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
