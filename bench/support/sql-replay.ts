import pg from "pg";
import { APPLICATION_ROLE, NO_JIT_SETTING } from "../../lib/db/connection";
import { startCapture, stopCapture, type CapturedStatement } from "./pg-capture";

/**
 * The same SQL on bare connections, the baseline beside each figure: the statements one request
 * sent, replayed with the same text and values, each transaction on one connection, and side by
 * side where Etude ran them side by side.
 */
export type { CapturedStatement };

/** Statements that went to one connection as one unit: a transaction, or one query outside one. */
type Run = CapturedStatement[];
/** Runs that overlapped in time. */
export type ReplayPlan = Run[][];

const TRANSACTION_START = /^\s*(START TRANSACTION|BEGIN)\b/i;
const TRANSACTION_END = /^\s*(COMMIT|ROLLBACK)\b/i;

/** The statements one request sends, in this process (the node under bench runs here). */
export async function captureStatements(request: () => Promise<unknown>): Promise<CapturedStatement[]> {
	startCapture();
	let captured: CapturedStatement[];
	try {
		await request();
	} finally {
		captured = stopCapture();
	}
	// The response can leave before the last statement is answered (a COMMIT after the reply).
	for (let waited = 0; captured.some((statement) => Number.isNaN(statement.answeredAtMs)) && waited < 2_000; waited += 10) {
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	return captured;
}

function runsOf(statements: CapturedStatement[]): Run[] {
	const runs: Run[] = [];
	const open = new Map<number, Run>();
	for (const statement of statements) {
		const current = open.get(statement.connection);
		if (current) current.push(statement);
		else runs.push([statement]);
		if (TRANSACTION_START.test(statement.text)) open.set(statement.connection, runs.at(-1)!);
		if (TRANSACTION_END.test(statement.text)) open.delete(statement.connection);
	}
	return runs;
}

/** Consecutive runs that overlapped in time ran side by side in Etude, and do in the replay. */
export function replayPlan(statements: CapturedStatement[]): ReplayPlan {
	const phases: ReplayPlan = [];
	let phaseEndMs = Number.NEGATIVE_INFINITY;
	for (const run of runsOf(statements)) {
		const startMs = run[0]!.sentAtMs;
		if (phases.length > 0 && startMs < phaseEndMs) phases.at(-1)!.push(run);
		else phases.push([run]);
		phaseEndMs = Math.max(phaseEndMs, run.at(-1)!.answeredAtMs);
	}
	return phases;
}

/** Replays a plan; `rewrite` may change each text and value (a replayed request's own ids). Answers the rows read. */
export async function replay(pool: pg.Pool, plan: ReplayPlan, rewrite: (value: unknown) => unknown = (value) => value): Promise<unknown[]> {
	const results: unknown[] = [];
	for (const phase of plan) {
		await Promise.all(
			phase.map(async (run) => {
				const client = await pool.connect();
				try {
					for (const statement of run) {
						const result = await client.query({
							text: rewrite(statement.text) as string,
							values: statement.values?.map(rewrite),
							...(statement.name ? { name: statement.name } : {})
						});
						const last = Array.isArray(result) ? result.at(-1) : result;
						if (last?.command === "SELECT" || last?.rows?.length) results.push(last.rows);
					}
				} finally {
					client.release();
				}
			})
		);
	}
	return results;
}

/** Bare connections for the baseline, their sessions set up as the services' are (lib/db/connection.ts). */
export function baselinePool(databaseUrl: string, max = 10): pg.Pool {
	return new pg.Pool({ connectionString: databaseUrl, max, options: `-c role=${APPLICATION_ROLE} -c ${NO_JIT_SETTING}` });
}

/** The slowest statements of a capture, for a bench's report. */
export function slowestStatements(statements: CapturedStatement[], count = 3): string[] {
	return [...statements]
		.sort((a, b) => b.answeredAtMs - b.sentAtMs - (a.answeredAtMs - a.sentAtMs))
		.slice(0, count)
		.map((statement) => `${(statement.answeredAtMs - statement.sentAtMs).toFixed(1).padStart(7)} ms  ${statement.text.replace(/\s+/g, " ").slice(0, 150)}`);
}
