import { randomUUID } from "node:crypto";
import ICAL from "ical.js";
import type { Context, Service } from "moleculer";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvent } from "../../lib/domain-events";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { eventually as waitFor } from "../support/eventually";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Lessons over HTTP against real PostgreSQL: series, exceptions, clashes, reminders planned and
 * published, the practice reminder, the calendar feed, authorization with real entities of
 * other people, and personal data. Runs under several process time zones (vitest.config.ts).
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Pool;
const received = { reminders: [] as Array<DomainEvent<"lessons.reminder_due">>, changes: [] as Array<DomainEvent<"lessons.changed">>, practice: [] as Array<DomainEvent<"practice.reminder_due">> };

let teacher: Account;
let otherTeacher: Account;
let student: Account;
let classmate: Account;
let outsider: Account;

const HOUR_MS = 3_600_000;

/** A wall-clock time `hoursAhead` from now in a zone, on a whole minute. */
function localIn(timezone: string, hoursAhead: number, date = new Date(Date.now() + hoursAhead * HOUR_MS)): string {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
			.formatToParts(date)
			.map((part) => [part.type, part.value])
	);
	return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function lesson(overrides: Record<string, unknown> = {}) {
	return {
		title: "Violin with Anna",
		studentIds: [student.id],
		startLocal: "2030-09-22T16:00",
		timezone: "Australia/Sydney",
		durationMinutes: 45,
		location: "Studio 3",
		recurrence: { frequency: "weekly", interval: 1, count: 8 },
		...overrides
	};
}

async function createLesson(owner: Account, overrides: Record<string, unknown> = {}) {
	const response = await http.request("POST", "/api/schedule/classes", { token: owner.token, body: lesson(overrides) });
	expect(response.status, JSON.stringify(response.body)).toBe(201);
	return response.body;
}

async function occurrences(account: Account, query: string) {
	const response = await http.request("GET", `/api/schedule/occurrences?${query}`, { token: account.token });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.items as Array<Record<string, any>>;
}

async function pendingReminders(seriesId: string): Promise<Array<{ message_key: string; recipient_id: string; minutes_before: number; due_at: Date; expires_at: Date }>> {
	const { rows } = await database.query(
		"SELECT message_key, recipient_id, minutes_before, due_at, expires_at FROM scheduled_messages WHERE series_id = $1 AND sent_at IS NULL AND skipped_at IS NULL ORDER BY due_at, message_key",
		[seriesId]
	);
	return rows;
}

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	database = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
	api.node.broker.createService({
		name: "scheduling-test-consumer",
		channels: {
			"lessons.reminder_due": { group: "scheduling-test", handler: (ctx: Context<DomainEvent<"lessons.reminder_due">>) => void received.reminders.push(ctx.params) },
			"lessons.changed": { group: "scheduling-test", handler: (ctx: Context<DomainEvent<"lessons.changed">>) => void received.changes.push(ctx.params) },
			"practice.reminder_due": { group: "scheduling-test", handler: (ctx: Context<DomainEvent<"practice.reminder_due">>) => void received.practice.push(ctx.params) }
		}
	});
	[teacher, otherTeacher, student, classmate, outsider] = await Promise.all([
		http.register("teacher", "Anna"),
		http.register("teacher", "Ben"),
		http.register("student", "Clara"),
		http.register("student", "Dev"),
		http.register("student", "Eve")
	]);
	await http.link(teacher, student);
	await http.link(teacher, classmate);
	// Clara also learns theory with Ben; Eve is Ben's student only.
	await http.link(otherTeacher, student);
	await http.link(otherTeacher, outsider);
});
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

describe("lesson series", () => {
	it("a weekly 16:00 lesson in Sydney stays 16:00 there across the first Sunday of October; the student sees it in their own zone", async () => {
		const created = await createLesson(teacher, { startLocal: "2030-09-22T16:00" });
		expect(created).toMatchObject({ teacherId: teacher.id, startLocal: "2030-09-22T16:00", timezone: "Australia/Sydney", rrule: "FREQ=WEEKLY;BYDAY=SU;COUNT=8", studentIds: [student.id], myReminders: [1440, 60] });
		const query = `from=2030-09-20&to=2030-10-14&tz=Australia/Sydney&classId=${created.id}`;
		const inSydney = await occurrences(teacher, query);
		expect(inSydney.map((o) => o.localStart)).toEqual(["2030-09-22T16:00", "2030-09-29T16:00", "2030-10-06T16:00", "2030-10-13T16:00"]);
		expect(inSydney.map((o) => o.start)).toEqual(["2030-09-22T06:00:00.000Z", "2030-09-29T06:00:00.000Z", "2030-10-06T05:00:00.000Z", "2030-10-13T05:00:00.000Z"]);
		// The student's profile zone is Europe/Vienna (the default): same instants, their wall clock.
		const forStudent = await occurrences(student, `from=2030-09-20&to=2030-10-14&classId=${created.id}`);
		expect(forStudent.map((o) => o.start)).toEqual(inSydney.map((o) => o.start));
		expect(forStudent.map((o) => o.localStart)).toEqual(["2030-09-22T08:00", "2030-09-29T08:00", "2030-10-06T07:00", "2030-10-13T07:00"]);
		expect(forStudent[0]).toMatchObject({ lessonLocalStart: "2030-09-22T16:00", lessonTimezone: "Australia/Sydney", title: "Violin with Anna" });
	});

	it("repeats a create with the same id once, and lists, reads and changes the series", async () => {
		const id = randomUUID();
		const first = await http.request("POST", "/api/schedule/classes", { token: teacher.token, body: lesson({ id, startLocal: "2031-01-05T10:00" }) });
		const again = await http.request("POST", "/api/schedule/classes", { token: teacher.token, body: lesson({ id, startLocal: "2031-01-05T10:00" }) });
		expect([first.status, again.status]).toEqual([201, 200]);
		expect(first.headers.get("location")).toBe(`/api/schedule/classes/${id}`);
		const list = await http.request("GET", "/api/schedule/classes", { token: teacher.token });
		expect(list.body.map((item: any) => item.id)).toContain(id);
		const changed = await http.request("PATCH", `/api/schedule/classes/${id}`, {
			token: teacher.token,
			body: { title: "Violin — collé", startLocal: "2031-01-05T11:00", studentIds: [student.id, classmate.id], recurrence: { frequency: "weekly", interval: 2, count: 6 } }
		});
		expect(changed.status, JSON.stringify(changed.body)).toBe(200);
		expect(changed.body).toMatchObject({ title: "Violin — collé", startLocal: "2031-01-05T11:00", rrule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;COUNT=6", sequence: 1, studentIds: [student.id, classmate.id].sort() });
		expect(changed.body.recurrence).toEqual({ frequency: "weekly", interval: 2, weekdays: ["SU"], count: 6 });
		const forClassmate = await occurrences(classmate, `from=2031-01-01&to=2031-12-31&tz=Europe/Vienna&classId=${id}`);
		expect(forClassmate).toHaveLength(6);
		// A student sees only themselves among the students.
		expect((await http.request("GET", `/api/schedule/classes/${id}`, { token: classmate.token })).body.studentIds).toEqual([classmate.id]);
		const removed = await http.request("DELETE", `/api/schedule/classes/${id}`, { token: teacher.token });
		expect(removed.status).toBe(204);
		expect((await http.request("GET", `/api/schedule/classes/${id}`, { token: teacher.token })).status).toBe(404);
	});

	it("refuses bad input with 422 and the field, and students the teacher does not teach with 404", async () => {
		const cases: Array<[Record<string, unknown>, string]> = [
			[{ title: undefined }, "title"],
			[{ timezone: "Mars/Olympus" }, "timezone"],
			[{ timezone: "+02:00" }, "timezone"],
			[{ startLocal: "2030-02-30T10:00" }, "startLocal"],
			[{ startLocal: "2030-09-22 16:00" }, "startLocal"],
			[{ durationMinutes: 0 }, "durationMinutes"],
			[{ durationMinutes: 1000 }, "durationMinutes"],
			[{ recurrence: { frequency: "daily", interval: 1 } }, "recurrence.frequency"],
			[{ recurrence: { frequency: "weekly", interval: 1, until: "2030-12-31", count: 3 } }, "recurrence.count"],
			[{ recurrence: { frequency: "weekly", interval: 1, until: "2030-01-01" } }, "recurrence.until"],
			[{ recurrence: { frequency: "weekly", interval: 1, weekdays: ["MO"] } }, "recurrence"],
			[{ recurrence: { frequency: "weekly", interval: 1, extra: true } }, "recurrence.extra"],
			[{ onlineUrl: "not a link" }, "onlineUrl"],
			[{ owner: teacher.id }, "owner"]
		];
		for (const [override, field] of cases) {
			const response = await http.request("POST", "/api/schedule/classes", { token: teacher.token, body: { ...lesson(), ...override } });
			expect(response.status, `${JSON.stringify(override)} → ${JSON.stringify(response.body)}`).toBe(422);
			expect(response.body.fields.map((problem: any) => problem.field), JSON.stringify(override)).toContain(field);
		}
		const unlinked = await http.request("POST", "/api/schedule/classes", { token: teacher.token, body: lesson({ studentIds: [outsider.id] }) });
		expect(unlinked.status).toBe(404);
		expect(unlinked.body.code).toBe("ERR_STUDENT_NOT_FOUND");
		const malformed = await http.request("POST", "/api/schedule/classes", { token: teacher.token, rawBody: "{" });
		expect(malformed.status).toBe(400);
		const badRange = await http.request("GET", "/api/schedule/occurrences?from=2030-01-10&to=2030-01-01", { token: teacher.token });
		expect(badRange.status).toBe(422);
		const tooLong = await http.request("GET", "/api/schedule/occurrences?from=2030-01-01&to=2031-06-01", { token: teacher.token });
		expect(tooLong.status).toBe(422);
	});
});

describe("who may do what, with other people's real lessons", () => {
	it("another teacher and a student outside the lesson get 404 on every lesson route; a student in it reads it but cannot change it", async () => {
		const owned = await createLesson(teacher, { startLocal: "2032-03-01T09:00", timezone: "Europe/Vienna", recurrence: { frequency: "weekly", interval: 1 } });
		const occurrence = encodeURIComponent("2032-03-08T08:00:00.000Z");
		const routes: Array<[string, string, unknown?]> = [
			["GET", `/api/schedule/classes/${owned.id}`],
			["PATCH", `/api/schedule/classes/${owned.id}`, { title: "Mine now" }],
			["DELETE", `/api/schedule/classes/${owned.id}`],
			["PUT", `/api/schedule/classes/${owned.id}/occurrences/${occurrence}`, { status: "cancelled" }],
			["DELETE", `/api/schedule/classes/${owned.id}/occurrences/${occurrence}`],
			["POST", `/api/schedule/classes/${owned.id}/occurrences/${occurrence}/split`, { title: "Mine now" }],
			["PUT", `/api/schedule/classes/${owned.id}/reminders`, { minutesBefore: [30] }]
		];
		for (const [method, path, body] of routes) {
			for (const stranger of [otherTeacher, outsider]) {
				const response = await http.request(method, path, { token: stranger.token, body });
				const expected = stranger.role === "student" && ["PATCH", "DELETE", "POST"].includes(method) && !path.endsWith("reminders") ? [403, 404] : [404];
				expect(expected, `${stranger.role} ${method} ${path}: ${response.status}`).toContain(response.status);
			}
			expect((await http.request(method, path, { body })).status, `anonymous ${method} ${path}`).toBe(401);
		}
		// The student in the lesson: reads it and sets their own reminders, changes nothing else.
		expect((await http.request("GET", `/api/schedule/classes/${owned.id}`, { token: student.token })).status).toBe(200);
		expect((await http.request("PUT", `/api/schedule/classes/${owned.id}/reminders`, { token: student.token, body: { minutesBefore: [120] } })).status).toBe(200);
		for (const [method, path, body] of routes.filter(([method]) => method !== "GET").slice(0, 5)) {
			expect((await http.request(method, path, { token: student.token, body })).status, `${method} ${path}`).toBe(403);
		}
		expect((await http.request("POST", "/api/schedule/classes", { token: student.token, body: lesson() })).status).toBe(403);
		expect((await http.request("GET", "/api/schedule/practice-reminder", { token: teacher.token })).status).toBe(403);
		// Nothing of the lesson shows in the others' lists and occurrences.
		expect((await http.request("GET", "/api/schedule/classes", { token: otherTeacher.token })).body.map((item: any) => item.id)).not.toContain(owned.id);
		expect((await occurrences(outsider, "from=2032-03-01&to=2032-03-31")).map((o) => o.classId)).not.toContain(owned.id);
		expect((await occurrences(otherTeacher, "from=2032-03-01&to=2032-03-31")).map((o) => o.classId)).not.toContain(owned.id);
		// Unchanged by all of the above.
		const after = await http.request("GET", `/api/schedule/classes/${owned.id}`, { token: teacher.token });
		expect(after.body).toMatchObject({ title: "Violin with Anna", exceptions: [], sequence: 0 });
	});
});

describe("clashes", () => {
	it("answers 409 ERR_LESSON_CONFLICT with the clashing occurrence unless allowOverlap, for the teacher's own lessons", async () => {
		const first = await createLesson(teacher, { startLocal: "2033-05-02T15:00", timezone: "Europe/Vienna", studentIds: [], durationMinutes: 60 });
		const clash = await http.request("POST", "/api/schedule/classes", {
			token: teacher.token,
			body: lesson({ startLocal: "2033-05-23T15:30", timezone: "Europe/Vienna", studentIds: [], recurrence: null })
		});
		expect(clash.status).toBe(409);
		expect(clash.body.code).toBe("ERR_LESSON_CONFLICT");
		expect(clash.body.details).toEqual({
			occurrence: { start: "2033-05-23T13:30:00.000Z", end: "2033-05-23T14:15:00.000Z" },
			clash: { classId: first.id, occurrenceStart: "2033-05-23T13:00:00.000Z", start: "2033-05-23T13:00:00.000Z", end: "2033-05-23T14:00:00.000Z", people: [teacher.id] }
		});
		const adjacent = await http.request("POST", "/api/schedule/classes", { token: teacher.token, body: lesson({ startLocal: "2033-05-23T16:00", timezone: "Europe/Vienna", studentIds: [], recurrence: null }) });
		expect(adjacent.status).toBe(201);
		const allowed = await http.request("POST", "/api/schedule/classes", {
			token: teacher.token,
			body: lesson({ startLocal: "2033-05-23T15:30", timezone: "Europe/Vienna", studentIds: [], recurrence: null, allowOverlap: true })
		});
		expect(allowed.status).toBe(201);
		// Moving an occurrence onto another lesson clashes too.
		const moved = await http.request("PUT", `/api/schedule/classes/${adjacent.body.id}/occurrences/${encodeURIComponent("2033-05-23T14:00:00.000Z")}`, {
			token: teacher.token,
			body: { status: "moved", startLocal: "2033-05-30T15:15" }
		});
		expect(moved.status).toBe(409);
		expect(moved.body.details.clash.classId).toBe(first.id);
	});

	it("sees a student's lesson with another teacher by its times only", async () => {
		const theory = await createLesson(otherTeacher, { title: "Theory, private", startLocal: "2034-01-09T17:00", timezone: "Europe/Vienna", studentIds: [student.id] });
		const clash = await http.request("POST", "/api/schedule/classes", { token: teacher.token, body: lesson({ startLocal: "2034-01-16T17:30", timezone: "Europe/Vienna", recurrence: null }) });
		expect(clash.status).toBe(409);
		expect(clash.body.details.clash).toEqual({ classId: null, occurrenceStart: null, start: "2034-01-16T16:00:00.000Z", end: "2034-01-16T16:45:00.000Z", people: [student.id] });
		expect(JSON.stringify(clash.body)).not.toContain("Theory");
		expect(JSON.stringify(clash.body)).not.toContain(theory.id);
		// A lesson for the classmate at the same time is fine: the clash is Clara's, also when she is added to it.
		const forClassmate = await http.request("POST", "/api/schedule/classes", {
			token: teacher.token,
			body: lesson({ studentIds: [classmate.id], startLocal: "2034-01-16T17:30", timezone: "Europe/Vienna", recurrence: null })
		});
		expect(forClassmate.status).toBe(201);
		const joining = await http.request("PATCH", `/api/schedule/classes/${forClassmate.body.id}`, { token: teacher.token, body: { studentIds: [classmate.id, student.id] } });
		expect(joining.status).toBe(409);
		expect(joining.body.details.clash.people).toEqual([student.id]);
	});
});

describe("one occurrence, and this and the following ones", () => {
	it("cancels, moves and restores single occurrences; the occurrences and the series' exceptions follow", async () => {
		const series = await createLesson(teacher, { startLocal: "2035-03-05T18:00", timezone: "Europe/Vienna", recurrence: { frequency: "weekly", interval: 1, count: 4 } });
		const path = (start: string) => `/api/schedule/classes/${series.id}/occurrences/${encodeURIComponent(start)}`;
		const cancelled = await http.request("PUT", path("2035-03-12T17:00:00.000Z"), { token: teacher.token, body: { status: "cancelled" } });
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		expect(cancelled.body.status).toBe("cancelled");
		const moved = await http.request("PUT", path("2035-03-19T17:00:00.000Z"), { token: teacher.token, body: { status: "moved", startLocal: "2035-03-20T09:30", durationMinutes: 60 } });
		expect(moved.body).toMatchObject({ status: "moved", start: "2035-03-20T08:30:00.000Z", end: "2035-03-20T09:30:00.000Z", occurrenceStart: "2035-03-19T17:00:00.000Z" });
		const query = `from=2035-03-01&to=2035-04-30&tz=Europe/Vienna&classId=${series.id}`;
		expect((await occurrences(student, query)).map((o) => [o.localStart, o.status])).toEqual([
			["2035-03-05T18:00", "scheduled"],
			["2035-03-20T09:30", "moved"],
			["2035-03-26T18:00", "scheduled"]
		]);
		expect((await occurrences(teacher, `${query}&includeCancelled=true`)).map((o) => o.status)).toContain("cancelled");
		// Not an occurrence of the series, or not a time at all.
		expect((await http.request("PUT", path("2035-03-13T17:00:00.000Z"), { token: teacher.token, body: { status: "cancelled" } })).body.code).toBe("ERR_OCCURRENCE_NOT_FOUND");
		expect((await http.request("PUT", path("yesterday"), { token: teacher.token, body: { status: "cancelled" } })).status).toBe(404);
		expect((await http.request("PUT", path("2035-03-05T17:00:00.000Z"), { token: teacher.token, body: { status: "moved" } })).status).toBe(422);
		expect((await http.request("PUT", path("2035-03-05T17:00:00.000Z"), { token: teacher.token, body: {} })).status).toBe(422);
		const restored = await http.request("DELETE", path("2035-03-12T17:00:00.000Z"), { token: teacher.token });
		expect(restored.body).toMatchObject({ status: "scheduled", start: "2035-03-12T17:00:00.000Z" });
		expect((await occurrences(student, query)).map((o) => o.localStart)).toEqual(["2035-03-05T18:00", "2035-03-12T18:00", "2035-03-20T09:30", "2035-03-26T18:00"]);
		const view = await http.request("GET", `/api/schedule/classes/${series.id}`, { token: teacher.token });
		expect(view.body.exceptions).toEqual([{ occurrenceStart: "2035-03-19T17:00:00.000Z", status: "moved", startLocal: "2035-03-20T09:30", durationMinutes: 60 }]);
	});

	it("this and following: the old series ends before the occurrence and a new one starts there, keeping the count", async () => {
		const series = await createLesson(teacher, { startLocal: "2036-01-07T16:00", timezone: "Europe/London", recurrence: { frequency: "weekly", interval: 1, count: 6 } });
		const split = await http.request("POST", `/api/schedule/classes/${series.id}/occurrences/${encodeURIComponent("2036-01-28T16:00:00.000Z")}/split`, {
			token: teacher.token,
			body: { startLocal: "2036-01-28T17:00", title: "Violin, later slot" }
		});
		expect(split.status, JSON.stringify(split.body)).toBe(201);
		expect(split.body).toMatchObject({ splitFromId: series.id, startLocal: "2036-01-28T17:00", title: "Violin, later slot", recurrence: { count: 3 } });
		const old = await http.request("GET", `/api/schedule/classes/${series.id}`, { token: teacher.token });
		expect(old.body.rrule).toBe("FREQ=WEEKLY;BYDAY=MO;UNTIL=20360128T155959Z");
		expect(old.body.sequence).toBe(1);
		const all = await occurrences(student, "from=2036-01-01&to=2036-03-31&tz=Europe/London");
		expect(all.filter((o) => [series.id, split.body.id].includes(o.classId)).map((o) => [o.localStart, o.classId === series.id ? "old" : "new"])).toEqual([
			["2036-01-07T16:00", "old"],
			["2036-01-14T16:00", "old"],
			["2036-01-21T16:00", "old"],
			["2036-01-28T17:00", "new"],
			["2036-02-04T17:00", "new"],
			["2036-02-11T17:00", "new"]
		]);
	});
});

describe("reminders", () => {
	it("plans the default 24 h and 1 h reminders per person; one whose time has passed is not planned", async () => {
		const startLocal = localIn("Europe/Vienna", 3);
		const series = await createLesson(teacher, { startLocal, timezone: "Europe/Vienna", recurrence: null, studentIds: [student.id, classmate.id], allowOverlap: true });
		const planned = await pendingReminders(series.id);
		expect(planned.map((row) => [row.recipient_id, row.minutes_before]).sort()).toEqual([[classmate.id, 60], [student.id, 60], [teacher.id, 60]].sort());
		expect(planned.every((row) => row.expires_at.getTime() - row.due_at.getTime() === HOUR_MS)).toBe(true);
		expect(planned[0]!.message_key).toMatch(new RegExp(`^lesson:${series.id}:`));
	});

	it("moving an occurrence re-plans its reminders and cancelling drops them, in the same request", async () => {
		const startLocal = localIn("Europe/Vienna", 30);
		const series = await createLesson(teacher, { startLocal, timezone: "Europe/Vienna", recurrence: null, allowOverlap: true });
		const before = await pendingReminders(series.id);
		expect(before.map((row) => row.minutes_before).sort()).toEqual([1440, 1440, 60, 60]);
		const occurrenceStart = before[0]!.expires_at.toISOString();
		const path = `/api/schedule/classes/${series.id}/occurrences/${encodeURIComponent(occurrenceStart)}`;
		const newStart = localIn("Europe/Vienna", 36);
		expect((await http.request("PUT", path, { token: teacher.token, body: { status: "moved", startLocal: newStart, allowOverlap: true } })).status).toBe(200);
		const after = await pendingReminders(series.id);
		expect(after).toHaveLength(4);
		expect(after.every((row) => row.expires_at.getTime() === before[0]!.expires_at.getTime() + 6 * HOUR_MS)).toBe(true);
		expect(after.map((row) => row.message_key)).not.toContain(before[0]!.message_key);
		expect((await http.request("PUT", path, { token: teacher.token, body: { status: "cancelled" } })).status).toBe(200);
		expect(await pendingReminders(series.id)).toEqual([]);
		const notices = await waitFor(() => (received.changes.filter((change) => change.lessonId === series.id).length >= 2 ? received.changes.filter((change) => change.lessonId === series.id) : undefined), "change notices");
		expect(notices.map((notice) => notice.change)).toEqual(["moved", "cancelled"]);
		expect(notices[0]).toMatchObject({ occurrenceStart, recipientIds: [student.id], startsAt: after[0]!.expires_at.toISOString() });
		expect(notices[0]!.eventId).toMatch(/^changed:/);
	});

	it("each person sets their own reminders: a student's [] drops only theirs", async () => {
		const series = await createLesson(teacher, { startLocal: localIn("Europe/Vienna", 20), timezone: "Europe/Vienna", recurrence: null, allowOverlap: true });
		const set = await http.request("PUT", `/api/schedule/classes/${series.id}/reminders`, { token: student.token, body: { minutesBefore: [] } });
		expect(set.body).toEqual({ minutesBefore: [] });
		expect((await pendingReminders(series.id)).map((row) => row.recipient_id)).toEqual([teacher.id]);
		const custom = await http.request("PUT", `/api/schedule/classes/${series.id}/reminders`, { token: student.token, body: { minutesBefore: [30, 180] } });
		expect(custom.body).toEqual({ minutesBefore: [180, 30] });
		expect((await pendingReminders(series.id)).filter((row) => row.recipient_id === student.id).map((row) => row.minutes_before).sort()).toEqual([180, 30]);
		for (const bad of [[1], [20_000], [30, 30], "soon"]) {
			expect((await http.request("PUT", `/api/schedule/classes/${series.id}/reminders`, { token: student.token, body: { minutesBefore: bad } })).status).toBe(422);
		}
	});

	it("the worker publishes a due reminder once, with its key as eventId and the lesson's start; a reminder whose lesson began is never published", async () => {
		const series = await createLesson(teacher, { startLocal: localIn("Europe/Vienna", 5), timezone: "Europe/Vienna", recurrence: null, allowOverlap: true });
		const [due, late] = (await pendingReminders(series.id)).filter((row) => row.minutes_before === 60);
		// The clock moves on: one reminder is due now, the other's lesson has already begun.
		await database.query("UPDATE scheduled_messages SET due_at = now() - interval '1 second' WHERE message_key = $1", [due!.message_key]);
		await database.query("UPDATE scheduled_messages SET due_at = now() - interval '2 hours', expires_at = now() - interval '1 minute' WHERE message_key = $1", [late!.message_key]);
		const message = await waitFor(() => received.reminders.find((reminder) => reminder.eventId === due!.message_key), "the reminder");
		expect(message).toMatchObject({ reminderKey: due!.message_key, lessonId: series.id, recipientId: due!.recipient_id, minutesBefore: 60, title: "Violin with Anna", startsAt: due!.expires_at.toISOString() });
		const { rows } = await waitFor(async () => {
			const result = await database.query("SELECT message_key, sent_at, skipped_at, skip_reason, claims FROM scheduled_messages WHERE message_key = ANY($1) ORDER BY message_key", [[due!.message_key, late!.message_key]]);
			return result.rows.every((row) => row.sent_at || row.skipped_at) ? result : undefined;
		}, "both reminders settled");
		const byKey = new Map(rows.map((row) => [row.message_key, row]));
		expect(byKey.get(due!.message_key)).toMatchObject({ claims: 1, skipped_at: null });
		expect(byKey.get(late!.message_key)).toMatchObject({ sent_at: null, skip_reason: "expired" });
		expect(received.reminders.filter((reminder) => reminder.eventId === late!.message_key)).toEqual([]);
		expect(received.reminders.filter((reminder) => reminder.eventId === due!.message_key)).toHaveLength(1);
	});
	it("a node that died after publishing but before marking makes the next one publish again under the same eventId", async () => {
		const series = await createLesson(teacher, { startLocal: localIn("Europe/Vienna", 6), timezone: "Europe/Vienna", recurrence: null, allowOverlap: true });
		const [reminder] = (await pendingReminders(series.id)).filter((row) => row.recipient_id === student.id && row.minutes_before === 60);
		await database.query("UPDATE scheduled_messages SET due_at = now() - interval '1 second' WHERE message_key = $1", [reminder!.message_key]);
		await waitFor(() => received.reminders.find((message) => message.eventId === reminder!.message_key), "the first publication");
		await waitFor(async () => (await database.query("SELECT 1 FROM scheduled_messages WHERE message_key = $1 AND sent_at IS NOT NULL", [reminder!.message_key])).rows[0], "marked sent");
		// As if the node had been killed between publishing and marking: unmarked, its lease run out.
		await database.query("UPDATE scheduled_messages SET sent_at = NULL, sent_by = NULL, lease_until = now() - interval '1 second' WHERE message_key = $1", [reminder!.message_key]);
		const copies = await waitFor(() => {
			const found = received.reminders.filter((message) => message.eventId === reminder!.message_key);
			return found.length >= 2 ? found : undefined;
		}, "the second publication");
		expect(copies[1]).toEqual(copies[0]);
		const { rows } = await waitFor(async () => {
			const result = await database.query("SELECT claims, sent_at FROM scheduled_messages WHERE message_key = $1", [reminder!.message_key]);
			return result.rows[0]?.sent_at ? result : undefined;
		}, "marked sent again");
		expect(rows[0].claims).toBe(2);
	});
});

describe("the daily practice reminder", () => {
	it("is planned at the student's local time, skipped on a day they already practised, and sent otherwise", async () => {
		// Today's 23:00 reminder must still be ahead and a session logged an hour ago must fall on
		// the same local day, whatever the hour the suite runs: a zone where it is now between
		// 02:00 and 22:00 (one of these three always is).
		const timezone = ["Asia/Kolkata", "Europe/London", "America/Los_Angeles"].find((zone) => {
			const hour = Number(localIn(zone, 0).slice(11, 13));
			return hour >= 2 && hour < 22;
		})!;
		const busy = await http.register("student", "Busy");
		const idle = await http.register("student", "Idle");
		for (const account of [busy, idle]) {
			const set = await http.request("PUT", "/api/schedule/practice-reminder", { token: account.token, body: { enabled: true, localTime: "23:00", timezone } });
			expect(set.body).toEqual({ enabled: true, localTime: "23:00", timezone });
		}
		expect((await http.request("GET", "/api/schedule/practice-reminder", { token: busy.token })).body).toEqual({ enabled: true, localTime: "23:00", timezone });
		const { rows } = await database.query("SELECT message_key, recipient_id, local_date, due_at FROM scheduled_messages WHERE kind = 'practice_reminder' AND recipient_id = ANY($1) ORDER BY due_at", [[busy.id, idle.id]]);
		expect(rows.length).toBeGreaterThanOrEqual(4);
		for (const row of rows) {
			expect(row.message_key).toBe(`practice:${row.recipient_id}:${row.local_date}`);
			expect(localIn(timezone, 0, row.due_at)).toBe(`${row.local_date}T23:00`);
		}
		// Busy practised today (their local day); then both reminders for today fall due.
		const today = localIn(timezone, 0).slice(0, 10);
		expect(rows.find((row) => row.recipient_id === busy.id)!.local_date).toBe(today);
		const sessionStart = new Date(Date.now() - HOUR_MS);
		const logged = await http.request("POST", "/api/sessions", {
			token: busy.token,
			body: practiceSession({ startedAt: sessionStart.toISOString(), endedAt: new Date(sessionStart.getTime() + 20 * 60_000).toISOString() })
		});
		expect(logged.status).toBe(201);
		const keys = [`practice:${busy.id}:${today}`, `practice:${idle.id}:${today}`];
		await database.query("UPDATE scheduled_messages SET due_at = now() - interval '1 second', expires_at = now() + interval '1 hour' WHERE message_key = ANY($1)", [keys]);
		const sent = await waitFor(() => received.practice.find((reminder) => reminder.eventId === keys[1]), "the idle student's practice reminder");
		expect(sent).toMatchObject({ reminderKey: keys[1], studentId: idle.id, localDate: today });
		const skipped = await waitFor(async () => (await database.query("SELECT skip_reason FROM scheduled_messages WHERE message_key = $1 AND skipped_at IS NOT NULL", [keys[0]])).rows[0], "the busy student's reminder skipped");
		expect(skipped.skip_reason).toBe("practised");
		expect(received.practice.filter((reminder) => reminder.eventId === keys[0])).toEqual([]);
		// Switched off: nothing pending any more.
		await http.request("PUT", "/api/schedule/practice-reminder", { token: idle.token, body: { enabled: false, localTime: "18:30" } });
		expect((await database.query("SELECT 1 FROM scheduled_messages WHERE recipient_id = $1 AND sent_at IS NULL AND skipped_at IS NULL", [idle.id])).rows).toEqual([]);
		expect((await http.request("PUT", "/api/schedule/practice-reminder", { token: idle.token, body: { enabled: true, localTime: "25:00" } })).status).toBe(422);
	});
});

describe("the calendar feed", () => {
	it("is made, rotated and revoked; it names no person; parsed back it gives the occurrences the API gives", async () => {
		const viewer = await http.register("student", "Feed reader");
		await http.link(teacher, viewer);
		const series = await createLesson(teacher, { title: "Feed — étude in G", studentIds: [viewer.id], startLocal: "2037-09-27T16:00", timezone: "Australia/Sydney", recurrence: { frequency: "weekly", interval: 1, count: 5 } });
		await http.request("PUT", `/api/schedule/classes/${series.id}/occurrences/${encodeURIComponent("2037-10-04T05:00:00.000Z")}`, { token: teacher.token, body: { status: "cancelled" } });
		await http.request("PUT", `/api/schedule/classes/${series.id}/occurrences/${encodeURIComponent("2037-10-11T05:00:00.000Z")}`, {
			token: teacher.token,
			body: { status: "moved", startLocal: "2037-10-12T08:00" }
		});
		expect((await http.request("GET", "/api/schedule/feed-token", { token: viewer.token })).body).toEqual({ active: false, createdAt: null, lastUsedAt: null });
		const made = await http.request("POST", "/api/schedule/feed-token", { token: viewer.token });
		expect(made.status).toBe(201);
		const { url, webcalUrl } = made.body as { url: string; webcalUrl: string };
		expect(url).toMatch(/\/api\/schedule\/feed\/[A-Za-z0-9_-]{43}\.ics$/);
		expect(webcalUrl).toBe(url.replace(/^https?:/, "webcal:"));
		for (const personal of [viewer.id, viewer.email, "Feed"]) expect(url).not.toContain(personal);

		const path = new URL(url).pathname;
		const feed = await fetch(`${api.baseUrl}${path}`);
		expect(feed.status).toBe(200);
		expect(feed.headers.get("content-type")).toMatch(/^text\/calendar/);
		const text = await feed.text();
		const calendar = new ICAL.Component(ICAL.parse(text));
		for (const zone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
		const events = calendar.getAllSubcomponents("vevent").map((component) => new ICAL.Event(component));
		expect(events.every((event) => event.uid === `lesson-series-${series.id}@lessons.etude`)).toBe(true);
		const master = events.find((event) => !event.isRecurrenceException())!;
		for (const exception of events.filter((event) => event.isRecurrenceException())) master.relateException(exception);
		const starts: string[] = [];
		const iterator = master.iterator();
		for (let next = iterator.next(); next; next = iterator.next()) starts.push(master.getOccurrenceDetails(next).startDate.toJSDate().toISOString());
		const fromApi = (await occurrences(viewer, `from=2037-09-01&to=2037-12-31&classId=${series.id}`)).map((o) => new Date(o.start).toISOString());
		expect(starts.sort()).toEqual(fromApi);
		expect(fromApi).toHaveLength(4);
		expect(text).toContain("SUMMARY:Feed — étude in G");
		expect((await http.request("GET", "/api/schedule/feed-token", { token: viewer.token })).body.active).toBe(true);

		const rotated = await http.request("POST", "/api/schedule/feed-token", { token: viewer.token });
		expect(rotated.body.url).not.toBe(url);
		expect((await fetch(`${api.baseUrl}${path}`)).status).toBe(404);
		expect((await fetch(`${api.baseUrl}${new URL(rotated.body.url).pathname}`)).status).toBe(200);
		expect((await http.request("DELETE", "/api/schedule/feed-token", { token: viewer.token })).status).toBe(204);
		expect((await fetch(`${api.baseUrl}${new URL(rotated.body.url).pathname}`)).status).toBe(404);
		for (const guess of ["nothing.ics", `${"A".repeat(43)}.ics`, "../../etc/passwd"]) expect((await fetch(`${api.baseUrl}/api/schedule/feed/${encodeURIComponent(guess)}`)).status).toBe(404);
	});
});

describe("personal data", () => {
	it("exports what it holds about a person; a purged teacher's lessons end (students told), a purged student leaves theirs", async () => {
		const leaving = await http.register("teacher", "Leaving");
		const pupil = await http.register("student", "Pupil");
		const stayingPupil = await http.register("student", "Staying");
		await http.link(leaving, pupil);
		await http.link(teacher, pupil);
		await http.link(teacher, stayingPupil);
		const theirs = await createLesson(leaving, { studentIds: [pupil.id], startLocal: "2038-04-05T10:00", timezone: "Europe/Vienna" });
		const kept = await createLesson(teacher, { studentIds: [pupil.id, stayingPupil.id], startLocal: "2038-04-06T10:00", timezone: "Europe/Vienna" });
		const scheduling = api.node.broker.getLocalService("scheduling") as Service & Record<string, any>;

		const exported = await api.node.broker.call<any, { userId: string }>("scheduling.exportPersonalData", { userId: leaving.id });
		expect(exported.service).toBe("scheduling");
		expect(exported.tables.lesson_series.map((row: any) => row.id)).toEqual([theirs.id]);
		expect(exported.tables.lesson_reminder_rules.length).toBe(2);
		const pupilExport = await api.node.broker.call<any, { userId: string }>("scheduling.exportPersonalData", { userId: pupil.id });
		expect(pupilExport.tables.lesson_participants.map((row: any) => row.seriesId).sort()).toEqual([theirs.id, kept.id].sort());

		await scheduling.purgePersonalData({ userId: leaving.id, role: "teacher", eventId: randomUUID(), occurredAt: new Date().toISOString() });
		await scheduling.purgePersonalData({ userId: leaving.id, role: "teacher", eventId: randomUUID(), occurredAt: new Date().toISOString() });
		expect((await http.request("GET", `/api/schedule/classes/${theirs.id}`, { token: pupil.token })).status).toBe(404);
		const notice = await waitFor(() => received.changes.find((change) => change.lessonId === theirs.id), "the cancellation notice");
		expect(notice).toMatchObject({ change: "cancelled", occurrenceStart: null, recipientIds: [pupil.id] });

		await scheduling.purgePersonalData({ userId: pupil.id, role: "student", eventId: randomUUID(), occurredAt: new Date().toISOString() });
		expect((await http.request("GET", `/api/schedule/classes/${kept.id}`, { token: teacher.token })).body.studentIds).toEqual([stayingPupil.id]);
		const left = await api.node.broker.call<any, { userId: string }>("scheduling.exportPersonalData", { userId: pupil.id });
		expect(Object.values(left.tables).every((rows) => (rows as unknown[]).length === 0)).toBe(true);
	});
});
