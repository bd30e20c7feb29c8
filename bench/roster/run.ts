// Roster benchmark, one run, same PostgreSQL: a teacher with BENCH_STUDENTS students (default 200)
// in six time zones, each with a year of practice (one session on most days, each with an analysed
// take: analysis row, summary metrics and hourly rollups), some failed recordings, goals and
// assignments. Then, over loopback HTTP:
//  - GET /api/students (the roster), and
//  - the drill-down into one student: GET /api/sessions?studentId=…&limit=20 and GET /api/analytics/dash
//    over the last 30 days,
// each beside the very same SQL statements (captured from the request: texts, values, transactions) sent
// to PostgreSQL on bare connections with the same concurrency, in the same run.
//   npm run bench:roster            (BENCH_STUDENTS=50 BENCH_REQUESTS=50 for a quick run)
// Curves (10 Hz points) are not generated: neither the roster nor the drill-down lists read them.
import { randomUUID } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { PRACTICE_METRIC_NAMES } from "../../services/analytics/analyser";
import { METRIC_UNITS } from "../../services/analytics/metric-catalog";
import { PRACTICE_FOCUSES } from "../../services/practice/sessions.service";
import { localToday } from "../../services/teaching/weeks";
import { addDays } from "../../services/analytics/practice-days";
import { httpClient } from "../../test/support/http-client";
import { percentile, startBenchNode, timedSamples } from "../support/bench-node";
import { baselinePool, captureStatements, replay, replayPlan, slowestStatements, type CapturedStatement } from "../support/sql-replay";

const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 200);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const TARGET_P50_MS = 50;
const ZONES = ["Europe/Vienna", "America/Los_Angeles", "Pacific/Auckland", "America/New_York", "Asia/Tokyo", "Europe/London"];

/** Deterministic share of days a student practises: 55–97 %. */
function diligence(index: number): number {
	return 0.55 + ((index * 7919) % 43) / 100;
}

async function seed(direct: pg.Client, teacherId: string): Promise<string[]> {
	const studentIds = Array.from({ length: STUDENTS }, () => randomUUID());
	const zones = studentIds.map((_, index) => ZONES[index % ZONES.length]!);
	await direct.query("SELECT setseed(0.42)");
	await direct.query(
		// Seeded students never sign in: a placeholder stands where the encrypted email (lib/pii.ts) would be.
		`INSERT INTO users (id, email_encrypted, email_index, password_hash, role, name, timezone)
		 SELECT id, 'bench placeholder', 'bench-' || id, 'not a hash', 'student', 'Student ' || lpad(n::text, 3, '0'), tz
		 FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS s(id, tz, n)`,
		[studentIds, zones]
	);
	await direct.query("INSERT INTO students (user_id) SELECT unnest($1::uuid[])", [studentIds]);
	await direct.query("INSERT INTO teacher_students (teacher_id, student_id) SELECT $1, unnest($2::uuid[])", [teacherId, studentIds]);
	await direct.query(
		`INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts)
		 SELECT gen_random_uuid(), s.id, ($4::practice_focus[])[1 + d % $5], t.start_ts, t.start_ts + (15 + floor(random() * 45)) * interval '1 minute'
		 FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS s(id, tz, diligence)
		 CROSS JOIN generate_series(1, $6::int) AS d
		 CROSS JOIN LATERAL (SELECT (((now() AT TIME ZONE s.tz)::date - d) + time '16:00' + random() * interval '4 hours') AT TIME ZONE s.tz AS start_ts) t
		 -- A hash of student and day, not random(): the planner would evaluate random() once per student.
		 WHERE abs(hashtext(s.id::text || d::text)) % 1000 < s.diligence * 1000`,
		[studentIds, zones, studentIds.map((_, index) => diligence(index)), PRACTICE_FOCUSES, PRACTICE_FOCUSES.length, DAYS]
	);
	await direct.query(
		`SELECT etude_ensure_metrics_partition(month) FROM generate_series(date_trunc('month', now() - $1::int * interval '1 day'), now(), interval '1 month') AS month`,
		[DAYS + 31]
	);
	// One analysed take per session, as the media and analytics services leave them.
	await direct.query(
		`INSERT INTO videos (id, session_id, owner_id, upload_id, state, progress_percent, duration_s, recorded_at, processed, processed_at,
		                     thumbnail_key, quick_playlist_key, playlist_key, output_prefix)
		 SELECT s.video_id, s.id, s.student_id, s.video_id::text, 'ready', 100, 300, s.start_ts, true, s.end_ts,
		        'recordings/' || s.video_id || '/thumbnail.jpg', 'recordings/' || s.video_id || '/quick/index.m3u8',
		        'recordings/' || s.video_id || '/720p/index.m3u8', 'recordings/' || s.video_id || '/'
		 FROM (SELECT gen_random_uuid() AS video_id, * FROM practice_sessions) s`
	);
	await direct.query(
		`INSERT INTO metric_analyses (video_id, session_id, student_id, status, recorded_at, request, analyser_version, a4_hz, duration_ms)
		 SELECT id, session_id, owner_id, 'done', recorded_at, '{}', '1.0.0', 440, 300000 FROM videos`
	);
	const units = PRACTICE_METRIC_NAMES.map((name) => METRIC_UNITS[name]);
	await direct.query(
		`INSERT INTO metrics (session_id, student_id, video_id, analyser_version, kind, metric_key, metric_val, unit, ts)
		 SELECT a.session_id, a.student_id, a.video_id, '1.0.0', 'summary', m.key, 20 + random() * 80, m.unit, a.recorded_at
		 FROM metric_analyses a CROSS JOIN unnest($1::text[], $2::text[]) AS m(key, unit)`,
		[PRACTICE_METRIC_NAMES, units]
	);
	// The take's summary also on its analysis row, as the analytics service writes it (migration 0017).
	await direct.query(
		`UPDATE metric_analyses a SET summary = s.summary
		 FROM (SELECT video_id, jsonb_object_agg(metric_key, metric_val) AS summary FROM metrics WHERE kind = 'summary' GROUP BY 1) s WHERE s.video_id = a.video_id`
	);
	await direct.query(
		`INSERT INTO metric_rollups_hourly (student_id, hour_start, metric_key, recording_count, value_count, value_sum, value_min, value_max)
		 SELECT student_id, date_trunc('hour', ts, 'UTC'), metric_key, count(*), count(metric_val), sum(metric_val), min(metric_val), max(metric_val)
		 FROM metrics WHERE kind = 'summary' GROUP BY 1, 2, 3`
	);
	// Every tenth student had a recording fail this week; every other one has a goal; everyone three assignments.
	await direct.query(
		`INSERT INTO videos (id, session_id, owner_id, upload_id, state, failure_code, failure_reason, recorded_at, updated_at)
		 SELECT gen_random_uuid(), s.id, s.student_id, gen_random_uuid()::text, 'failed', 'ERR_NOT_DECODABLE', 'bench', s.start_ts, s.end_ts
		 FROM (SELECT DISTINCT ON (student_id) id, student_id, start_ts, end_ts FROM practice_sessions ORDER BY student_id, start_ts DESC) s
		 WHERE ('x' || substr(s.student_id::text, 1, 2))::bit(8)::int % 10 = 0`
	);
	await direct.query(
		`INSERT INTO weekly_goals (teacher_id, student_id, minutes_per_week, days_per_week)
		 SELECT $1, id, 150 + 30 * (n % 5), 3 + n % 4 FROM unnest($2::uuid[]) WITH ORDINALITY AS s(id, n) WHERE n % 2 = 0`,
		[teacherId, studentIds]
	);
	await direct.query(
		`INSERT INTO assignments (teacher_id, student_id, title, due_date, done_at)
		 SELECT $1, id, 'Assignment ' || k, current_date + (k * 5 - 8), CASE WHEN k = 1 THEN now() END
		 FROM unnest($2::uuid[]) AS s(id) CROSS JOIN generate_series(1, 3) AS k`,
		[teacherId, studentIds]
	);
	for (const table of ["users", "teacher_students", "practice_sessions", "videos", "metric_analyses", "metrics", "metric_rollups_hourly", "weekly_goals", "assignments"]) {
		await direct.query(`VACUUM ANALYZE ${table}`);
	}
	return studentIds;
}

function report(title: string, statements: CapturedStatement[], ours: number[], bare: number[]): void {
	console.log(`\n${title} (${statements.length} SQL statements per request), ${REQUESTS} sequential requests`);
	console.log("                                      | P50 ms | P99 ms");
	console.log("--------------------------------------|--------|-------");
	console.log(`etude over loopback HTTP              | ${percentile(ours, 0.5).toFixed(2).padStart(6)} | ${percentile(ours, 0.99).toFixed(2).padStart(6)}`);
	console.log(`baseline: the same SQL, bare pg       | ${percentile(bare, 0.5).toFixed(2).padStart(6)} | ${percentile(bare, 0.99).toFixed(2).padStart(6)}`);
	console.log(`target P50 <= ${TARGET_P50_MS} ms: ${percentile(ours, 0.5) <= TARGET_P50_MS ? "meets" : "misses"}; ours/baseline P50 ${(percentile(ours, 0.5) / percentile(bare, 0.5)).toFixed(2)}`);
	console.log("slowest statements of the captured request:");
	for (const line of slowestStatements(statements)) console.log(`  ${line}`);
}

async function main(): Promise<void> {
	const { baseUrl, databaseUrl, stop } = await startBenchNode("roster");
	const direct = new pg.Client({ connectionString: databaseUrl });
	await direct.connect();
	const pool = baselinePool(databaseUrl);
	try {
		const teacher = await httpClient(baseUrl).register("teacher", "bench");
		const started = performance.now();
		const studentIds = await seed(direct, teacher.id);
		const counts = (await direct.query(`SELECT (SELECT count(*) FROM practice_sessions) AS sessions, (SELECT count(*) FROM metrics) AS summaries, (SELECT count(*) FROM metric_rollups_hourly) AS rollups`)).rows[0];
		console.log(`\nload average of the machine: ${os.loadavg().map((load) => load.toFixed(1)).join(", ")} on ${os.cpus().length} cores`);
		console.log(`Roster benchmark: 1 teacher, ${STUDENTS} students in ${ZONES.length} zones, ${DAYS} days: ${counts.sessions} sessions with analysed takes, ${counts.summaries} summary points, ${counts.rollups} hourly rollups (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

		const headers = { authorization: `Bearer ${teacher.token}` };
		const get = async (route: string) => {
			const response = await fetch(`${baseUrl}${route}`, { headers });
			const body = await response.json();
			if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
			return body;
		};
		const roster = (await get("/api/students")) as Array<{ id: string; timezone: string; streakDays: number; needsAttention: unknown[] }>;
		const attention = roster.filter((entry) => entry.needsAttention.length > 0).length;
		console.log(`roster: ${roster.length} students, ${attention} needing attention, longest streak ${Math.max(...roster.map((entry) => entry.streakDays))} days`);

		const student = roster.find((entry) => entry.id === studentIds[0])!;
		const today = localToday(student.timezone);
		const routes = {
			roster: "/api/students",
			sessions: `/api/sessions?studentId=${student.id}&limit=20`,
			dashboard: `/api/analytics/dash?studentId=${student.id}&from=${addDays(today, -29)}&to=${today}&tz=${encodeURIComponent(student.timezone)}`
		};
		for (const [name, route] of Object.entries(routes)) {
			await get(route);
			const statements = await captureStatements(() => get(route));
			const ours = await timedSamples(REQUESTS, () => get(route));
			const plan = replayPlan(statements);
			const bare = await timedSamples(REQUESTS, () => replay(pool, plan));
			const title = { roster: "GET /api/students (the roster)", sessions: "drill-down: GET /api/sessions?studentId&limit=20", dashboard: "drill-down: GET /api/analytics/dash, last 30 days" }[name]!;
			report(title, statements, ours, bare);
		}
	} finally {
		await pool.end();
		await direct.end();
		await stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
