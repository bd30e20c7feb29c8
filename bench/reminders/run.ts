// Reminders benchmark, one run, same PostgreSQL and NATS:
//  1. baseline: a bare claim loop on scheduled_messages (UPDATE … FOR UPDATE SKIP LOCKED, then mark
//     sent), nothing published: how fast the table alone can hand out BENCH_REMINDERS due rows;
//  2. ours: a node with the reminder worker and the notifications consumer over NATS JetStream: the
//     same number of reminders, all due in the same second, each ending as an inbox row.
// Figures: reminders per second, and lateness P50/P99 from the due time to the row being marked
// (baseline) or to the recipient's inbox row (ours: worker → JetStream → notifications consumer).
//   npm run bench:reminders          (BENCH_REMINDERS=2000 for a quick run)
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../../broker.config";
import { migrateDatabase } from "../../lib/db/migrator";
import { startNode } from "../../lib/node";
import { seedDueReminders } from "../../test/support/due-reminders";
import { createScratchDatabase } from "../../test/support/postgres";

const REMINDERS = Number(process.env.BENCH_REMINDERS ?? 10_000);
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const BATCH = 200;
const DUE_IN_MS = 3000;

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(latenciesMs: number[], firstDueMs: number, lastDoneMs: number) {
	const sorted = [...latenciesMs].sort((a, b) => a - b);
	return {
		perSecond: Math.round(latenciesMs.length / ((lastDoneMs - firstDueMs) / 1000)),
		p50: Math.round(percentile(sorted, 50)),
		p99: Math.round(percentile(sorted, 99))
	};
}

/** The bare claim loop: what PostgreSQL alone does with the same rows. */
async function baseline(db: pg.Client): Promise<ReturnType<typeof summary>> {
	const dueAt = new Date(Date.now() + DUE_IN_MS);
	const seriesId = await seedDueReminders(db, REMINDERS, dueAt);
	await new Promise((resolve) => setTimeout(resolve, dueAt.getTime() - Date.now()));
	const latencies: number[] = [];
	for (;;) {
		const { rows } = await db.query(
			`UPDATE scheduled_messages m SET claimed_by = 'baseline', lease_until = now() + interval '30 seconds', claims = m.claims + 1
			 WHERE m.message_key IN (
				SELECT message_key FROM scheduled_messages
				WHERE series_id = $1 AND sent_at IS NULL AND skipped_at IS NULL AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())
				ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			 RETURNING m.message_key, m.due_at`,
			[seriesId, BATCH]
		);
		if (rows.length === 0) break;
		await db.query("UPDATE scheduled_messages SET sent_at = now(), sent_by = 'baseline' WHERE message_key = ANY($1) AND sent_at IS NULL", [rows.map((row) => row.message_key)]);
		const doneMs = Date.now();
		for (const row of rows) latencies.push(doneMs - (row.due_at as Date).getTime());
	}
	return summary(latencies, dueAt.getTime(), Date.now());
}

async function ours(databaseUrl: string, db: pg.Client): Promise<ReturnType<typeof summary> & { publishedPerSecond: number }> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-bench-reminders-"));
	const node = await startNode(
		loadConfig({
			NODE_ENV: "test",
			DATABASE_URL: databaseUrl,
			TRANSPORTER: NATS_URL,
			NAMESPACE: `bench-reminders-${randomUUID().slice(0, 8)}`,
			// The reminder worker publishes; the notifications consumer turns each into an inbox row.
			SERVICES: "auth,scheduling,notifications",
			JWT_SECRET: "bench-reminders-secret-long-enough-for-hs256",
			LOG_LEVEL: "warn",
			DATA_DIR: dataDir
		})
	);
	try {
		const dueAt = new Date(Date.now() + DUE_IN_MS);
		const seriesId = await seedDueReminders(db, REMINDERS, dueAt);
		// An inbox row's dedupe key is the reminder's own key; the owner connection reads past RLS.
		const inboxRows = `FROM notifications n JOIN scheduled_messages m ON m.message_key = n.dedupe_key WHERE m.series_id = $1`;
		for (;;) {
			const { rows } = await db.query<{ count: string }>(`SELECT count(*) ${inboxRows}`, [seriesId]);
			if (Number(rows[0]!.count) >= REMINDERS) break;
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		const { rows: lateness } = await db.query<{ ms: number; doneMs: number }>(
			`SELECT extract(epoch FROM n.created_at - m.due_at) * 1000 AS ms, extract(epoch FROM n.created_at) * 1000 AS "doneMs" ${inboxRows}`,
			[seriesId]
		);
		const { rows } = await db.query<{ lastSentMs: number }>('SELECT extract(epoch FROM max(sent_at)) * 1000 AS "lastSentMs" FROM scheduled_messages WHERE series_id = $1', [seriesId]);
		const lastRowMs = Math.max(...lateness.map((row) => Number(row.doneMs)));
		return {
			...summary(lateness.map((row) => Number(row.ms)), dueAt.getTime(), lastRowMs),
			publishedPerSecond: Math.round(REMINDERS / ((Number(rows[0]!.lastSentMs) - dueAt.getTime()) / 1000))
		};
	} finally {
		await node.stop();
		await rm(dataDir, { recursive: true, force: true });
	}
}

async function main() {
	const database = await createScratchDatabase("etude_bench_reminders");
	const db = new pg.Client({ connectionString: database.url });
	try {
		await migrateDatabase(database.url);
		await db.connect();
		console.log(`${REMINDERS} reminders due in the same second, claimed in batches of ${BATCH}`);
		const bare = await baseline(db);
		const worker = await ours(database.url, db);
		console.log("\n| | published (marked sent)/s | in the inbox/s | lateness P50 ms | lateness P99 ms |");
		console.log("|---|---|---|---|---|");
		console.log(`| ours: worker → NATS JetStream → notifications → inbox row | ${worker.publishedPerSecond} | ${worker.perSecond} | ${worker.p50} | ${worker.p99} |`);
		console.log(`| baseline: bare SKIP LOCKED claim + mark, same table | ${bare.perSecond} | — | ${bare.p50} | ${bare.p99} |`);
		console.log(`\nours / baseline (marked sent per second): ${(worker.publishedPerSecond / bare.perSecond).toFixed(2)}`);
	} finally {
		await db.end();
		await database.drop();
	}
}

await main();
