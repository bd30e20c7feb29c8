import pg from "pg";
import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseOf } from "../../lib/db/connection";
import { httpClient, type Account } from "../support/http-client";
import { writeTextFile } from "../support/media-fixtures";
import { analysedTake, localDate, localInstant, logSession, personIn, until } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";
import { tusUpload } from "../support/tus";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { testDatabaseUrl } from "../support/file-database";

/**
 * The teacher's roster (GET /api/students) and the drill-down into one student, through HTTP,
 * for students in far time zones against a teacher in Europe/Vienna. Expected days are computed
 * with Temporal in the student's zone, so the suite holds whatever the process TZ is.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let teacher: Account;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	teacher = await personIn(http, "teacher", "Frau Lehrer", "Europe/Vienna");
}, 60_000);
afterAll(() => api.stop());

async function roster(account: Account = teacher) {
	const response = await http.request("GET", "/api/students", { token: account.token });
	expect(response.status).toBe(200);
	return response.body as Array<Record<string, any>>;
}

async function linkedStudent(name: string, timezone: string, linkTo: Account = teacher): Promise<Account> {
	const student = await personIn(http, "student", name, timezone);
	await http.link(linkTo, student);
	return student;
}

describe("the roster's heat-map", () => {
	it("buckets minutes by the student's own calendar day in Pacific/Auckland and America/Los_Angeles, a teacher in Vienna notwithstanding", async () => {
		for (const timezone of ["Pacific/Auckland", "America/Los_Angeles"]) {
			const student = await linkedStudent(`Far ${timezone}`, timezone);
			await logSession(http, student, localInstant(timezone, 2, "23:30"), 20);
			await logSession(http, student, localInstant(timezone, 1, "00:10"), 30);
			// Across local midnight: it counts for the day it started.
			await logSession(http, student, localInstant(timezone, 4, "23:50"), 40);

			const entry = (await roster()).find((item) => item.id === student.id)!;
			expect(entry.timezone).toBe(timezone);
			expect(entry.today).toBe(localDate(timezone));
			const expected = [6, 5, 4, 3, 2, 1, 0].map((daysAgo) => ({
				date: localDate(timezone, daysAgo),
				minutes: { 4: 40, 2: 20, 1: 30 }[daysAgo] ?? 0
			}));
			expect(entry.heatmap).toEqual(expected);
			// Vienna's calendar would have put one of them on another day (Auckland's 00:10, Los Angeles' 23:30).
			const onViennaDay = (daysAgo: number, time: string) =>
				Temporal.Instant.fromEpochMilliseconds(localInstant(timezone, daysAgo, time).getTime()).toZonedDateTimeISO("Europe/Vienna").toPlainDate().toString();
			expect(onViennaDay(1, "00:10") !== localDate(timezone, 1) || onViennaDay(2, "23:30") !== localDate(timezone, 2)).toBe(true);
			expect(entry.lastPracticeAt).toBe(localInstant(timezone, 1, "00:10").toISOString());
			expect(entry.streakDays).toBe(2);
		}
	});

	it("cuts days at a daylight-saving change by the zone's calendar (23- and 25-hour days), for many students in one statement", async () => {
		// Each session is placed so that a day computed as local midnight + 86 400 s would misfile it.
		const cases = [
			// Vienna springs forward on 2026-03-29: a 23-hour day.
			{ timezone: "Europe/Vienna", day: "2026-03-29", inside: ["2026-03-28T23:30:00Z", "2026-03-29T21:30:00Z"], nextDay: "2026-03-29T22:15:00Z" },
			// Los Angeles falls back on 2026-11-01: a 25-hour day.
			{ timezone: "America/Los_Angeles", day: "2026-11-01", inside: ["2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"], nextDay: "2026-11-02T08:15:00Z" },
			// Auckland falls back on 2026-04-05: a 25-hour day.
			{ timezone: "Pacific/Auckland", day: "2026-04-05", inside: ["2026-04-04T11:30:00Z", "2026-04-05T11:30:00Z"], nextDay: "2026-04-05T12:15:00Z" }
		];
		const windows = [];
		for (const [index, { timezone, day, inside, nextDay }] of cases.entries()) {
			const student = await linkedStudent(`DST ${index}`, timezone);
			for (const startedAt of inside) await logSession(http, student, new Date(startedAt), 10);
			await logSession(http, student, new Date(nextDay), 7);
			windows.push({ studentId: student.id, timezone, from: day, to: Temporal.PlainDate.from(day).add({ days: 1 }).toString() });
		}
		const { days } = await api.node.broker.call<{ days: Array<{ studentId: string; date: string; minutes: number; sessions: number }> }, object>(
			"sessions.practiceOfStudents",
			{ students: windows }
		);
		for (const window of windows) {
			const mine = days.filter((day) => day.studentId === window.studentId);
			expect(mine.map(({ date, minutes, sessions }) => ({ date, minutes, sessions }))).toEqual([
				{ date: window.from, minutes: 20, sessions: 2 },
				{ date: window.to, minutes: 7, sessions: 1 }
			]);
		}
	});
});

describe("what needs the teacher's attention", () => {
	it("lists students needing attention first, then by name, each with the reasons", async () => {
		const other = await personIn(http, "teacher", "Attention Teacher", "Europe/Vienna");
		const idle = await linkedStudent("Beth Idle", "America/Los_Angeles", other);
		const never = await linkedStudent("Carl Never", "Pacific/Auckland", other);
		const keen = await linkedStudent("Anna Keen", "Europe/Vienna", other);
		await logSession(http, idle, localInstant("America/Los_Angeles", 5, "18:00"), 30);
		for (const daysAgo of [0, 1, 2]) await logSession(http, keen, localInstant("Europe/Vienna", daysAgo, "00:00:10"), 25);

		const entries = await roster(other);
		expect(entries.map((entry) => entry.name)).toEqual(["Beth Idle", "Carl Never", "Anna Keen"]);
		expect(entries[0]!.needsAttention).toEqual([{ code: "no_practice", message: "No practice for 5 days", days: 5 }]);
		expect(entries[1]!.needsAttention).toEqual([{ code: "no_practice", message: "Has not practised yet", days: null }]);
		expect(entries[1]!.lastPracticeAt).toBeNull();
		expect(entries[2]!.needsAttention).toEqual([]);
		expect(entries[2]!.streakDays).toBe(3);
		expect(entries.map((entry) => entry.id)).toEqual([idle.id, never.id, keen.id]);
	});

	it("counts a streak that runs back past the first window the roster reads", async () => {
		const other = await personIn(http, "teacher", "Streak Teacher", "Europe/Vienna");
		const student = await linkedStudent("Dora Daily", "Pacific/Auckland", other);
		for (let daysAgo = 1; daysAgo <= 40; daysAgo++) await logSession(http, student, localInstant("Pacific/Auckland", daysAgo, "12:00"), 15);
		const [entry] = await roster(other);
		// Nothing yet today: the streak still counts up to yesterday.
		expect(entry!.streakDays).toBe(40);
	});

	it("shows this ISO week in the student's zone and the teacher's goal with its progress", async () => {
		const other = await personIn(http, "teacher", "Goal Teacher", "Europe/Vienna");
		const student = await linkedStudent("Eve Goal", "America/Los_Angeles", other);
		const zone = "America/Los_Angeles";
		const weekStart = Temporal.PlainDate.from(localDate(zone)).subtract({ days: Temporal.PlainDate.from(localDate(zone)).dayOfWeek - 1 }).toString();
		const logged = [
			{ daysAgo: 1, minutes: 30 },
			{ daysAgo: 3, minutes: 45 },
			{ daysAgo: 9, minutes: 60 }
		];
		for (const { daysAgo, minutes } of logged) await logSession(http, student, localInstant(zone, daysAgo, "09:00"), minutes, { focus: daysAgo === 3 ? "repertoire" : "scales" });
		const inWeek = logged.filter(({ daysAgo }) => localDate(zone, daysAgo) >= weekStart);

		const goal = await http.request("PUT", "/api/goals", { token: other.token, body: { studentId: student.id, minutesPerWeek: 600, daysPerWeek: 6 } });
		expect(goal.status).toBe(200);
		const [entry] = await roster(other);
		expect(entry!.thisWeek).toEqual({
			weekStart,
			weekEnd: Temporal.PlainDate.from(weekStart).add({ days: 6 }).toString(),
			sessions: inWeek.length,
			minutes: inWeek.reduce((total, item) => total + item.minutes, 0),
			practiceDays: inWeek.length
		});
		expect(entry!.goal).toMatchObject({
			id: goal.body.id,
			teacherName: "Goal Teacher",
			minutesPerWeek: 600,
			daysPerWeek: 6,
			focus: null,
			progress: { weekStart, minutesDone: entry!.thisWeek.minutes, daysDone: inWeek.length, met: false }
		});
		const behind = entry!.needsAttention.some((reason: { code: string }) => reason.code === "goal_behind");
		expect(behind).toBe(!entry!.goal.progress.onTrack);
	});

	it("flags a failed recording and shows the latest analysed take with its headline metrics", async () => {
		const other = await personIn(http, "teacher", "Media Teacher", "Europe/Vienna");
		const student = await linkedStudent("Finn Film", "Pacific/Auckland", other);
		const take = await analysedTake(http, api.baseUrl, student);

		const workDir = await mkdtemp(path.join(os.tmpdir(), "etude-roster-"));
		try {
			const broken = await logSession(http, student, new Date(Date.now() - 1_800_000), 5);
			const notAVideo = await readFile(await writeTextFile(path.join(workDir, "notes.mp4")));
			await tusUpload(notAVideo, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: broken.id, kind: "video", filetype: "video/mp4" } });
			const entry = await until(
				async () => (await roster(other))[0]!,
				(found) => found.needsAttention.some((reason: { code: string }) => reason.code === "recording_failed")
			);
			expect(entry.needsAttention).toContainEqual({ code: "recording_failed", message: "A recording could not be processed", videoId: expect.any(String), sessionId: broken.id });
			expect(entry.latestRecording).toMatchObject({ sessionId: take.sessionId, videoId: take.videoId });
			expect(Object.keys(entry.latestRecording.summary).sort()).toEqual(
				["bowStabilityRmsRadPerS", "dynamicRangeDb", "intonationMeanAbsDeviationCents", "tempoCv", "vibratoExtentCents"]
			);
			expect(typeof entry.latestRecording.summary.dynamicRangeDb).toBe("number");
			// One week of data only: nothing to compare with yet.
			expect(entry.latestRecording.changeFromPreviousWeek.dynamicRangeDb).toBeNull();
		} finally {
			await rm(workDir, { recursive: true, force: true });
		}
	});

	it("compares each headline metric's mean over the student's last 7 local days with the 7 before, and flags the one that got worse", async () => {
		const other = await personIn(http, "teacher", "Trend Teacher", "Europe/Vienna");
		const zone = "Pacific/Auckland";
		const student = await linkedStudent("Ida Trend", zone, other);
		const database = new pg.Client({ connectionString: testDatabaseUrl() });
		await database.connect();
		try {
			const rollup = (daysAgo: number, time: string, metric: string, value: number) =>
				database.query(
					`INSERT INTO metric_rollups_hourly (student_id, hour_start, metric_key, recording_count, value_count, value_sum, value_min, value_max)
					 VALUES ($1, date_trunc('hour', $2::timestamptz), $3, 1, 1, $4, $4, $4)`,
					[student.id, localInstant(zone, daysAgo, time).toISOString(), metric, value]
				);
			// Tempo steadiness (lower is better) doubled; dynamic range (higher is better) grew; the day before the fortnight counts for neither.
			await rollup(13, "00:30", "tempoCv", 0.1);
			await rollup(8, "12:00", "tempoCv", 0.1);
			await rollup(1, "12:00", "tempoCv", 0.2);
			await rollup(6, "00:30", "tempoCv", 0.2);
			await rollup(14, "12:00", "tempoCv", 9);
			await rollup(10, "18:00", "dynamicRangeDb", 20);
			await rollup(2, "18:00", "dynamicRangeDb", 30);
		} finally {
			await database.end();
		}
		const [entry] = await roster(other);
		expect(entry!.latestRecording).toBeNull();
		expect(entry!.needsAttention.filter((reason: { code: string }) => reason.code === "metric_worse")).toEqual([
			{ code: "metric_worse", message: "tempo steadiness got worse this week", metric: "tempoCv", change: expect.closeTo(0.1, 9) }
		]);
	});

	it("reads the same number of statements for two students as for six: no query per student", async () => {
		// Sequelize reads its logging option on every statement: counting them is counting round trips.
		const sequelize = databaseOf(api.node.broker) as unknown as { options: { logging: unknown } };
		const count = async (account: Account) => {
			let statements = 0;
			const previous = sequelize.options.logging;
			sequelize.options.logging = () => void statements++;
			try {
				await roster(account);
			} finally {
				sequelize.options.logging = previous;
			}
			return statements;
		};
		const small = await personIn(http, "teacher", "Small Class", "Europe/Vienna");
		const large = await personIn(http, "teacher", "Large Class", "Europe/Vienna");
		for (const [index, account] of [small, small, large, large, large, large, large, large].entries()) {
			const student = await linkedStudent(`Pupil ${index}`, index % 2 ? "Pacific/Auckland" : "America/Los_Angeles", account);
			await logSession(http, student, localInstant("Europe/Vienna", 1, "10:00"), 20);
		}
		await roster(small);
		await roster(large);
		expect(await count(large)).toBe(await count(small));
	});
});

describe("a teacher drilling down into a student", () => {
	it("reads a linked student's sessions, recording, curves and dashboard; after unlinking, nothing, at once", async () => {
		const other = await personIn(http, "teacher", "Drill Teacher", "Europe/Vienna");
		const student = await linkedStudent("Gus Drill", "America/Los_Angeles", other);
		const take = await analysedTake(http, api.baseUrl, student);
		const dashPath = `/api/analytics/dash?studentId=${student.id}&from=${localDate("America/Los_Angeles", 6)}&to=${localDate("America/Los_Angeles")}&tz=America/Los_Angeles`;
		const drillDown = [`/api/sessions?studentId=${student.id}`, `/api/sessions/${take.sessionId}`, `/api/sessions/${take.sessionId}/metrics`, dashPath];

		const sessions = await http.request("GET", drillDown[0]!, { token: other.token });
		expect(sessions.body.items.map((item: { id: string }) => item.id)).toEqual([take.sessionId]);
		const session = await http.request("GET", drillDown[1]!, { token: other.token });
		expect(session.body.videos[0].hlsUrl).toMatch(/^\/api\/videos\/.+\.m3u8\?/);
		expect((await fetch(`${api.baseUrl}${session.body.videos[0].hlsUrl}`)).status).toBe(200);
		const metrics = await http.request("GET", drillDown[2]!, { token: other.token });
		expect(metrics.body.curves.pitch.length).toBeGreaterThan(10);
		const dash = await http.request("GET", dashPath, { token: other.token });
		expect(dash.status).toBe(200);
		expect(dash.body.minutesPerDay.at(-2).minutes + dash.body.minutesPerDay.at(-1).minutes).toBeGreaterThan(0);

		// Every teacher request asks for the links, so they are cached…
		const cached = await api.node.broker.cacher!.get(`auth.linkedStudentIds:${other.id}`);
		expect(cached).toEqual([student.id]);
		// …and unlinking clears them before it answers.
		expect((await http.request("DELETE", `/api/students/${student.id}`, { token: other.token })).status).toBe(204);
		for (const route of drillDown) expect((await http.request("GET", route, { token: other.token })).status, route).toBe(404);
		expect(await roster(other)).toEqual([]);
		expect((await http.request("DELETE", `/api/students/${student.id}`, { token: other.token })).status).toBe(404);
		// The student keeps their practice.
		expect((await http.request("GET", drillDown[1]!, { token: student.token })).status).toBe(200);
	});

	it("sees a new link at once although link lookups are cached, and gives an unlinked teacher 404 and a student 403", async () => {
		const other = await personIn(http, "teacher", "Cache Teacher", "Europe/Vienna");
		expect(await roster(other)).toEqual([]);
		const student = await linkedStudent("Hana New", "Pacific/Auckland", other);
		expect((await roster(other)).map((entry) => entry.id)).toEqual([student.id]);

		const stranger = await personIn(http, "teacher", "Stranger", "Europe/Vienna");
		const session = await logSession(http, student, new Date(Date.now() - 3_600_000), 10);
		expect((await http.request("GET", `/api/sessions?studentId=${student.id}`, { token: stranger.token })).status).toBe(404);
		expect((await http.request("GET", `/api/sessions/${session.id}`, { token: stranger.token })).status).toBe(404);
		expect((await http.request("DELETE", `/api/students/${student.id}`, { token: stranger.token })).status).toBe(404);
		expect((await http.request("GET", "/api/students", { token: student.token })).status).toBe(403);
	});
});
