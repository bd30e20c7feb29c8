import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import type pg from "pg";

/**
 * `count` lesson reminders due at `dueAt` (its lesson an hour later), for one series made for
 * them, written straight into scheduled_messages as the planner would. The series lies beyond
 * the planning horizon, so the planner leaves these hand-made rows alone. Answers the series id.
 */
export async function seedDueReminders(db: pg.ClientBase, count: number, dueAt: Date | "now"): Promise<string> {
	const seriesId = randomUUID();
	const teacherId = randomUUID();
	await db.query(
		`INSERT INTO lesson_series (id, teacher_id, title, start_local, timezone, duration_minutes, span_start, span_end)
		 VALUES ($1, $2, 'Orchestra rehearsal', '2040-01-01T10:00', 'Europe/Vienna', 90, '2040-01-01T09:00Z', '2040-01-01T10:30Z')`,
		[seriesId, teacherId]
	);
	await db.query(
		`INSERT INTO scheduled_messages (message_key, kind, series_id, teacher_id, recipient_id, occurrence_start, minutes_before, due_at, expires_at)
		 SELECT 'lesson:' || $1 || ':' || i, 'lesson_reminder', $1::uuid, $2::uuid, gen_random_uuid(), due + interval '1 hour', 60, due, due + interval '1 hour'
		 FROM generate_series(1, $4::int) AS i, (SELECT coalesce($3::timestamptz, now()) AS due) AS at`,
		[seriesId, teacherId, dueAt === "now" ? null : dueAt, count]
	);
	return seriesId;
}

/**
 * The scheduling nodes that hold a lease on reminders of this series they have not marked sent,
 * after they have sent some: the moment to kill one, so that another node must take its claims over.
 */
async function nodesHoldingUnsentReminders(db: pg.ClientBase, seriesId: string): Promise<string[]> {
	const { rows } = await db.query<{ claimed_by: string; holding: number; sent: number }>(
		`SELECT claimed_by, count(*) FILTER (WHERE sent_at IS NULL AND lease_until > now())::int AS holding,
		        count(*) FILTER (WHERE sent_by = claimed_by)::int AS sent
		 FROM scheduled_messages WHERE series_id = $1 AND claimed_by IS NOT NULL GROUP BY claimed_by`,
		[seriesId]
	);
	return rows.filter((row) => row.holding > 0 && row.sent > 0).map((row) => row.claimed_by);
}

/**
 * Freezes (SIGSTOP) a scheduling node that holds unsent reminders of this series after sending some,
 * and answers its name once it is frozen still holding them, ready to be killed; undefined (and the
 * node running again) when none does right now. Checked and then killed while running, a node could
 * send all it held in between, and the kill would test no take-over at all.
 */
export async function frozenNodeHoldingUnsentReminders(db: pg.ClientBase, seriesId: string, nodes: ReadonlyMap<string, ChildProcess>): Promise<string | undefined> {
	const [holder] = await nodesHoldingUnsentReminders(db, seriesId);
	const child = holder === undefined ? undefined : nodes.get(holder);
	if (!holder || !child) return undefined;
	child.kill("SIGSTOP");
	if ((await nodesHoldingUnsentReminders(db, seriesId)).includes(holder)) return holder;
	child.kill("SIGCONT");
	return undefined;
}
