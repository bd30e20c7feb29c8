import { randomUUID } from "node:crypto";
import pg from "pg";
import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrator";
import { migrations } from "../../migrations";
import type { StudentsPractice } from "../../services/practice/sessions.service";
import { httpClient, type Account } from "../support/http-client";
import { testDatabaseUrl } from "../support/file-database";
import { createScratchDatabase } from "../support/postgres";
import { localDate, localInstant, logSession, personIn } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";

/**
 * The practice days the sessions service keeps per student and local day (migration 0017), which
 * the roster reads: after every create, correction and deletion of a session they equal what the
 * sessions themselves say, cut in the student's zone, also across daylight-saving changes and in
 * the farthest zones; a change of zone has them cut anew; the migration fills them for sessions
 * logged before it. Expected days come from Temporal or from the sessions themselves, so the suite
 * holds whatever the process TZ is.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Client;
let teacher: Account;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	teacher = await personIn(http, "teacher", "Days Teacher", "Europe/Vienna");
}, 60_000);
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

interface KeptDay {
	date: string;
	focus: string;
	minutes: number;
	sessions: number;
}

/** The kept days of a student, as the table holds them (read past row-level security, as the tests' superuser). */
async function keptDays(studentId: string, client: pg.Client = database): Promise<KeptDay[]> {
	const { rows } = await client.query<KeptDay>(
		`SELECT to_char(local_date, 'YYYY-MM-DD') AS date, focus::text, round(practised_seconds / 60)::int AS minutes, sessions
		 FROM practice_days WHERE student_id = $1 ORDER BY 1, 2`,
		[studentId]
	);
	return rows;
}

/** The same days computed from the live sessions, in the zone given. */
async function daysFromSessions(studentId: string, timezone: string, client: pg.Client = database): Promise<KeptDay[]> {
	const { rows } = await client.query<KeptDay>(
		`SELECT to_char(start_ts AT TIME ZONE $2, 'YYYY-MM-DD') AS date, focus::text, round(sum(extract(epoch FROM end_ts - start_ts)) / 60)::int AS minutes, count(*)::int AS sessions
		 FROM practice_sessions WHERE student_id = $1 AND deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2`,
		[studentId, timezone]
	);
	return rows;
}

async function zoneOfDays(studentId: string): Promise<{ timezone: string; builtAt: Date; lastStartedAt: Date | null } | undefined> {
	const { rows } = await database.query('SELECT timezone, built_at AS "builtAt", last_started_at AS "lastStartedAt" FROM practice_day_zones WHERE student_id = $1', [studentId]);
	return rows[0];
}

function practiceOf(students: Array<{ studentId: string; timezone: string; from: string; to: string }>): Promise<StudentsPractice> {
	return api.node.broker.call("sessions.practiceOfStudents", { students });
}

async function studentIn(name: string, timezone: string): Promise<Account> {
	const student = await personIn(http, "student", name, timezone);
	await http.link(teacher, student);
	return student;
}

async function patchSession(student: Account, id: string, body: Record<string, unknown>): Promise<void> {
	const response = await http.request("PATCH", `/api/sessions/${id}`, { token: student.token, body });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
}

async function deleteSession(student: Account, id: string): Promise<void> {
	expect((await http.request("DELETE", `/api/sessions/${id}`, { token: student.token })).status).toBe(204);
}

describe("the practice days kept per student", () => {
	it("follow every session logged, corrected and deleted, in far zones, without being rebuilt", async () => {
		// UTC+14 and UTC−11: a session's local day is a UTC day away from its start for most of the day.
		for (const timezone of ["Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
			const student = await studentIn(`Far ${timezone}`, timezone);
			const window = { studentId: student.id, timezone, from: localDate(timezone, 6), to: localDate(timezone) };
			// The first read cuts the student's (still empty) days in their zone; from then on the writes keep them.
			expect(await practiceOf([window])).toEqual({ days: [], lastPracticeAt: {}, streakDays: { [student.id]: 0 } });
			const built = (await zoneOfDays(student.id))!;
			expect(built.timezone).toBe(timezone);

			const late = await logSession(http, student, localInstant(timezone, 2, "23:50"), 40);
			const early = await logSession(http, student, localInstant(timezone, 1, "00:10"), 30, { focus: "etudes" });
			await logSession(http, student, localInstant(timezone, 1, "18:00"), 15, { focus: "etudes" });
			expect(await keptDays(student.id)).toEqual([
				{ date: localDate(timezone, 2), focus: "scales", minutes: 40, sessions: 1 },
				{ date: localDate(timezone, 1), focus: "etudes", minutes: 45, sessions: 2 }
			]);

			// Moved to another day, another focus and length; then one deleted.
			await patchSession(student, late.id, {
				startedAt: localInstant(timezone, 4, "07:00").toISOString(),
				endedAt: localInstant(timezone, 4, "07:25").toISOString(),
				focus: "repertoire"
			});
			expect(await keptDays(student.id)).toEqual([
				{ date: localDate(timezone, 4), focus: "repertoire", minutes: 25, sessions: 1 },
				{ date: localDate(timezone, 1), focus: "etudes", minutes: 45, sessions: 2 }
			]);
			await deleteSession(student, early.id);
			expect(await keptDays(student.id)).toEqual([
				{ date: localDate(timezone, 4), focus: "repertoire", minutes: 25, sessions: 1 },
				{ date: localDate(timezone, 1), focus: "etudes", minutes: 15, sessions: 1 }
			]);
			expect(await keptDays(student.id)).toEqual(await daysFromSessions(student.id, timezone));

			const practice = await practiceOf([window]);
			expect(practice.days.map(({ date, minutes }) => ({ date, minutes }))).toEqual([
				{ date: localDate(timezone, 4), minutes: 25 },
				{ date: localDate(timezone, 1), minutes: 15 }
			]);
			expect(practice.lastPracticeAt[student.id]).toBe(localInstant(timezone, 1, "18:00").toISOString());
			expect(practice.streakDays[student.id]).toBe(1);
			// Kept by the writes: never cut again.
			expect((await zoneOfDays(student.id))!.builtAt).toEqual(built.builtAt);
		}
	});

	it("cut days by the zone's calendar across daylight-saving changes, also when a correction moves a session over one", async () => {
		const cases = [
			// Vienna springs forward on 2026-03-29 (a 23-hour day), Los Angeles and Auckland fall back (25 hours).
			{ timezone: "Europe/Vienna", day: "2026-03-29", inside: ["2026-03-28T23:30:00Z", "2026-03-29T21:30:00Z"], nextDay: "2026-03-29T22:15:00Z" },
			{ timezone: "America/Los_Angeles", day: "2026-11-01", inside: ["2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"], nextDay: "2026-11-02T08:15:00Z" },
			{ timezone: "Pacific/Auckland", day: "2026-04-05", inside: ["2026-04-04T11:30:00Z", "2026-04-05T11:30:00Z"], nextDay: "2026-04-05T12:15:00Z" }
		];
		for (const [index, { timezone, day, inside, nextDay }] of cases.entries()) {
			const student = await studentIn(`DST days ${index}`, timezone);
			const next = Temporal.PlainDate.from(day).add({ days: 1 }).toString();
			await practiceOf([{ studentId: student.id, timezone, from: day, to: next }]);
			for (const startedAt of inside) await logSession(http, student, new Date(startedAt), 10);
			const moving = await logSession(http, student, new Date(nextDay), 7);
			expect(await keptDays(student.id)).toEqual([
				{ date: day, focus: "scales", minutes: 20, sessions: 2 },
				{ date: next, focus: "scales", minutes: 7, sessions: 1 }
			]);
			// An hour earlier is still the next day by the clock, but the day of the change by the zone's calendar.
			const movedStart = new Date(new Date(nextDay).getTime() - 3_600_000);
			await patchSession(student, moving.id, { startedAt: movedStart.toISOString(), endedAt: new Date(movedStart.getTime() + 7 * 60_000).toISOString() });
			expect(await keptDays(student.id)).toEqual([{ date: day, focus: "scales", minutes: 27, sessions: 3 }]);
			expect(await keptDays(student.id)).toEqual(await daysFromSessions(student.id, timezone));
		}
	});

	it("are cut anew in the new zone when a student moves, before the roster shows them", async () => {
		const student = await studentIn("Mover", "Pacific/Auckland");
		await logSession(http, student, localInstant("Pacific/Auckland", 1, "08:30"), 20);
		await http.request("GET", "/api/students", { token: teacher.token });
		expect((await zoneOfDays(student.id))!.timezone).toBe("Pacific/Auckland");

		// 08:30 in Auckland is the previous evening in Los Angeles.
		expect((await http.request("PATCH", "/api/me", { token: student.token, body: { timezone: "America/Los_Angeles" } })).status).toBe(200);
		const entry = ((await http.request("GET", "/api/students", { token: teacher.token })).body as Array<Record<string, any>>).find((item) => item.id === student.id)!;
		const startedOn = Temporal.Instant.fromEpochMilliseconds(localInstant("Pacific/Auckland", 1, "08:30").getTime()).toZonedDateTimeISO("America/Los_Angeles").toPlainDate().toString();
		expect(entry.heatmap.filter((day: { minutes: number }) => day.minutes > 0)).toEqual(
			startedOn >= localDate("America/Los_Angeles", 6) ? [{ date: startedOn, minutes: 20 }] : []
		);
		expect((await zoneOfDays(student.id))!.timezone).toBe("America/Los_Angeles");
		expect(await keptDays(student.id)).toEqual(await daysFromSessions(student.id, "America/Los_Angeles"));
	});

	it("count a streak back from the student's today, or from yesterday while today is still empty, or from any day asked", async () => {
		const timezone = "Pacific/Kiritimati";
		const student = await studentIn("Streaky", timezone);
		const window = { studentId: student.id, timezone, from: localDate(timezone, 6), to: localDate(timezone) };
		for (const daysAgo of [1, 2, 3, 5]) await logSession(http, student, localInstant(timezone, daysAgo, "12:00"), 10);
		expect((await practiceOf([window])).streakDays[student.id]).toBe(3);
		await logSession(http, student, localInstant(timezone, 4, "12:00"), 10);
		expect((await practiceOf([window])).streakDays[student.id]).toBe(5);
		await logSession(http, student, localInstant(timezone, 0, "00:01"), 10);
		expect((await practiceOf([window])).streakDays[student.id]).toBe(6);
		// Read as of an earlier day: the streak that ended then.
		const earlier = { ...window, from: localDate(timezone, 10), to: localDate(timezone, 4) };
		expect((await practiceOf([earlier])).streakDays[student.id]).toBe(2);
		expect((await practiceOf([{ ...earlier, to: localDate(timezone, 6) }])).streakDays[student.id]).toBe(0);
	});

	it("are read by the student and their teachers only, and written by nobody else", async () => {
		const alice = await studentIn("Alice Days", "Europe/Vienna");
		const bob = await personIn(http, "student", "Bob Days", "Europe/Vienna");
		for (const student of [alice, bob]) {
			await practiceOf([{ studentId: student.id, timezone: "Europe/Vienna", from: localDate("Europe/Vienna", 1), to: localDate("Europe/Vienna") }]);
			await logSession(http, student, localInstant("Europe/Vienna", 1, "10:00"), 10);
		}
		const asActor = async (userId: string, readable: string[], sql: string) => {
			await database.query("BEGIN");
			try {
				await database.query("SELECT set_config('role', 'etude_app', true), set_config('etude.user_id', $1, true), set_config('etude.readable_students', $2, true)", [userId, readable.join(",")]);
				return (await database.query(sql, [[alice.id, bob.id]])).rows;
			} finally {
				await database.query("ROLLBACK");
			}
		};
		for (const table of ["practice_days", "practice_day_zones"]) {
			const query = `SELECT student_id FROM ${table} WHERE student_id = ANY($1)`;
			expect((await asActor(alice.id, [], query)).map((row) => row.student_id)).toEqual([alice.id]);
			expect((await asActor(teacher.id, [alice.id], query)).map((row) => row.student_id)).toEqual([alice.id]);
			expect(await asActor(teacher.id, [alice.id], `UPDATE ${table} SET student_id = student_id WHERE student_id = ANY($1) RETURNING student_id`)).toEqual([]);
			expect(await asActor(alice.id, [], `DELETE FROM ${table} WHERE student_id = ANY($1) AND student_id <> '${alice.id}' RETURNING student_id`)).toEqual([]);
		}
	});
});

describe("the migration that brings the practice days", () => {
	it("fills them for the sessions logged before it, each student in their zone", async () => {
		const scratch = await createScratchDatabase("etude_practice_days");
		const client = new pg.Client({ connectionString: scratch.url });
		try {
			await migrateDatabase(scratch.url, undefined, "up", migrations.filter((migration) => migration.name < "0017"));
			await client.connect();
			const students = [
				{ id: randomUUID(), timezone: "Pacific/Kiritimati" },
				{ id: randomUUID(), timezone: "America/Los_Angeles" },
				{ id: randomUUID(), timezone: "Europe/Vienna" }
			];
			for (const student of students) {
				await client.query(
					`INSERT INTO users (id, email_encrypted, email_index, password_hash, role, name, timezone) VALUES ($1, 'placeholder', $3, 'not a hash', 'student', 'Before', $2)`,
					[student.id, student.timezone, `before-${student.id}`]
				);
				// Around the clock for three weeks across Vienna's and Los Angeles' autumn changes, one deleted on the way.
				await client.query(
					`INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts, deleted_at)
					 SELECT gen_random_uuid(), $1, CASE WHEN n % 3 = 0 THEN 'scales' ELSE 'etudes' END::practice_focus, t, t + (10 + n % 50) * interval '1 minute',
					        CASE WHEN n = 7 THEN now() END
					 FROM generate_series(1, 120) AS n, LATERAL (SELECT timestamptz '2026-10-20 00:00Z' + n * interval '4 hours 7 minutes' AS t) s`,
					[student.id]
				);
			}
			await migrateDatabase(scratch.url);
			for (const student of students) {
				const kept = await keptDays(student.id, client);
				expect(kept.length).toBeGreaterThan(15);
				expect(kept).toEqual(await daysFromSessions(student.id, student.timezone, client));
			}
			// Kept from then on.
			await client.query("UPDATE practice_sessions SET deleted_at = now() WHERE student_id = $1 AND start_ts < '2026-10-25'", [students[0]!.id]);
			expect(await keptDays(students[0]!.id, client)).toEqual(await daysFromSessions(students[0]!.id, students[0]!.timezone, client));
			// Down to before it (later migrations first).
			const applied = async () => (await client.query("SELECT 1 FROM schema_migrations WHERE name = '0017-roster-rollups'")).rowCount;
			while (await applied()) await migrateDatabase(scratch.url, undefined, "down", migrations);
			expect((await client.query("SELECT to_regclass('practice_days') AS days")).rows[0].days).toBeNull();
		} finally {
			await client.end();
			await scratch.drop();
		}
	});
});
