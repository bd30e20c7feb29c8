import { randomUUID } from "node:crypto";
import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "moleculer";
import { httpClient, type Account } from "../support/http-client";
import { localDate, localInstant, logSession, personIn, until } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/** Weekly goals, assignments and the tag designer, through HTTP, for a student far from their teacher. */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let teacher: Account;
let student: Account;
const STUDENT_ZONE = "Pacific/Auckland";
const announced: Array<{ channel: string; payload: Record<string, unknown> }> = [];

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	api.node.broker.createService({
		name: "plans-listener",
		channels: Object.fromEntries(
			["assignments.created", "goals.set"].map((channel) => [
				channel,
				{ group: "plans-listener", handler: (ctx: Context<Record<string, unknown>>) => void announced.push({ channel, payload: ctx.params }) }
			])
		)
	});
	await api.node.broker.waitForServices(["plans-listener"]);
	teacher = await personIn(http, "teacher", "Herr Lehrer", "Europe/Vienna");
	student = await personIn(http, "student", "Kiri", STUDENT_ZONE);
	await http.link(teacher, student);
}, 60_000);
afterAll(() => api.stop());

describe("weekly goals", () => {
	it("sets one goal per teacher and student, counts this ISO week in the student's zone (one focus only when asked), and announces it", async () => {
		const zone = STUDENT_ZONE;
		const today = Temporal.PlainDate.from(localDate(zone));
		const weekStart = today.subtract({ days: today.dayOfWeek - 1 }).toString();
		// Started just after local midnight, so never in the future whenever the suite runs.
		await logSession(http, student, localInstant(zone, 0, "00:00:10"), 25, { focus: "scales" });
		await logSession(http, student, localInstant(zone, 0, "00:00:20"), 15, { focus: "repertoire" });
		// The Sunday before this week: not counted.
		await logSession(http, student, localInstant(zone, today.dayOfWeek, "23:00"), 50, { focus: "scales" });

		const first = await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, minutesPerWeek: 120, daysPerWeek: 4 } });
		expect(first.status).toBe(200);
		const replaced = await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, minutesPerWeek: 30, daysPerWeek: null, focus: "scales" } });
		expect(replaced.body.id).toBe(first.body.id);
		expect(replaced.body).toMatchObject({
			teacherId: teacher.id,
			teacherName: "Herr Lehrer",
			studentId: student.id,
			minutesPerWeek: 30,
			daysPerWeek: null,
			focus: "scales",
			progress: { weekStart, weekEnd: today.subtract({ days: today.dayOfWeek - 7 }).toString(), minutesDone: 25, daysDone: 1, met: false }
		});

		const mine = await http.request("GET", "/api/goals", { token: student.token });
		expect(mine.body).toEqual([replaced.body]);
		const theirs = await http.request("GET", `/api/goals?studentId=${student.id}`, { token: teacher.token });
		expect(theirs.body).toEqual([replaced.body]);

		const event = await until(async () => announced.find((item) => item.channel === "goals.set" && item.payload.minutesPerWeek === 30), Boolean);
		expect(event!.payload).toMatchObject({ goalId: first.body.id, teacherId: teacher.id, studentId: student.id, daysPerWeek: null });
	});

	it("refuses a goal without a target, for an unlinked student, or from a student", async () => {
		const empty = await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, minutesPerWeek: null } });
		expect(empty.status).toBe(422);
		const stranger = await http.register("student");
		expect((await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: stranger.id, daysPerWeek: 3 } })).status).toBe(404);
		expect((await http.request("PUT", "/api/goals", { token: student.token, body: { studentId: student.id, daysPerWeek: 3 } })).status).toBe(403);
		expect((await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, daysPerWeek: 8 } })).status).toBe(422);
	});

	it("lets only the teacher who set a goal remove it", async () => {
		const goals = (await http.request("GET", "/api/goals", { token: student.token })).body;
		const other = await http.register("teacher");
		expect((await http.request("DELETE", `/api/goals/${goals[0].id}`, { token: other.token })).status).toBe(404);
		expect((await http.request("DELETE", `/api/goals/${goals[0].id}`, { token: student.token })).status).toBe(403);
		expect((await http.request("DELETE", `/api/goals/${goals[0].id}`, { token: teacher.token })).status).toBe(204);
		expect((await http.request("GET", "/api/goals", { token: student.token })).body).toEqual([]);
	});
});

describe("assignments", () => {
	async function assign(body: Record<string, unknown>) {
		const response = await http.request("POST", "/api/assignments", { token: teacher.token, body: { studentId: student.id, title: "Kreutzer No. 2", ...body } });
		expect(response.status, JSON.stringify(response.body)).toBe(201);
		return response.body;
	}

	it("is due at 23:59:59 of its day in the student's zone, and overdue only after that there", async () => {
		const tag = await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "Détaché", color: "#3366FF", focus: "etudes" } });
		const dueYesterday = await assign({ dueDate: localDate(STUDENT_ZONE, 1), notes: "Slow, **even** bows", focus: "etudes", tagIds: [tag.body.id], targetTempoBpm: 72 });
		const dueToday = await assign({ dueDate: localDate(STUDENT_ZONE, 0) });

		const dueAtLocal = Temporal.Instant.from(dueToday.dueAt).toZonedDateTimeISO(STUDENT_ZONE);
		expect(dueAtLocal.toPlainDate().toString()).toBe(localDate(STUDENT_ZONE, 0));
		expect(dueAtLocal.toPlainTime().toString()).toBe("23:59:59");
		expect(dueToday.overdue).toBe(false);
		expect(dueYesterday).toMatchObject({
			overdue: true,
			doneAt: null,
			teacherName: "Herr Lehrer",
			notes: "Slow, **even** bows",
			focus: "etudes",
			targetTempoBpm: 72,
			tags: [{ id: tag.body.id, name: "Détaché", color: "#3366ff", focus: "etudes" }],
			sessionIds: []
		});
		expect(dueYesterday.notesHtml).toContain("<strong>even</strong>");

		const event = await until(async () => announced.find((item) => item.channel === "assignments.created" && item.payload.assignmentId === dueToday.id), Boolean);
		expect(event!.payload).toMatchObject({ teacherId: teacher.id, studentId: student.id, title: "Kreutzer No. 2", dueAt: dueToday.dueAt });
	});

	it("is marked done by its student, who links the sessions practised for it; the roster counts what is open and overdue", async () => {
		const assignment = await assign({ title: "Scales in thirds", dueDate: localDate(STUDENT_ZONE, 2) });
		const session = await logSession(http, student, localInstant(STUDENT_ZONE, 1, "17:00"), 20);
		const linked = await http.request("PUT", `/api/assignments/${assignment.id}/sessions/${session.id}`, { token: student.token });
		expect(linked.status).toBe(200);
		expect(linked.body.sessionIds).toEqual([session.id]);
		// Idempotent.
		expect((await http.request("PUT", `/api/assignments/${assignment.id}/sessions/${session.id}`, { token: student.token })).body.sessionIds).toEqual([session.id]);

		const before = (await http.request("GET", "/api/students", { token: teacher.token })).body[0];
		const done = await http.request("PUT", `/api/assignments/${assignment.id}/done`, { token: student.token });
		expect(done.body.overdue).toBe(false);
		expect(Date.parse(done.body.doneAt)).toBeGreaterThan(Date.now() - 60_000);
		const after = (await http.request("GET", "/api/students", { token: teacher.token })).body[0];
		expect(after.openAssignments).toBe(before.openAssignments - 1);
		expect(after.overdueAssignments).toBeGreaterThan(0);
		expect(after.needsAttention.filter((reason: { code: string }) => reason.code === "assignment_overdue")).toHaveLength(after.overdueAssignments);

		const open = await http.request("GET", "/api/assignments?status=open", { token: student.token });
		expect(open.body.every((item: { doneAt: string | null }) => item.doneAt === null)).toBe(true);
		const doneList = await http.request("GET", `/api/assignments?studentId=${student.id}&status=done`, { token: teacher.token });
		expect(doneList.body.map((item: { id: string }) => item.id)).toEqual([assignment.id]);
		const all = await http.request("GET", "/api/assignments", { token: student.token });
		expect(all.body.at(-1).id).toBe(assignment.id);

		const reopened = await http.request("DELETE", `/api/assignments/${assignment.id}/done`, { token: student.token });
		expect(reopened.body.doneAt).toBeNull();
		const unlinked = await http.request("DELETE", `/api/assignments/${assignment.id}/sessions/${session.id}`, { token: student.token });
		expect(unlinked.body.sessionIds).toEqual([]);
	});

	it("keeps the teacher's fields the teacher's, and refuses a session that is not the student's", async () => {
		const assignment = await assign({ dueDate: localDate(STUDENT_ZONE, -7) });
		expect((await http.request("PATCH", `/api/assignments/${assignment.id}`, { token: student.token, body: { title: "Nothing" } })).status).toBe(403);
		expect((await http.request("PUT", `/api/assignments/${assignment.id}/done`, { token: teacher.token })).status).toBe(403);
		const changed = await http.request("PATCH", `/api/assignments/${assignment.id}`, { token: teacher.token, body: { title: "Kreutzer No. 3", targetTempoBpm: null, notes: null } });
		expect(changed.body).toMatchObject({ title: "Kreutzer No. 3", targetTempoBpm: null, notes: "", notesHtml: "" });

		const otherStudent = await http.register("student");
		const theirs = await logSession(http, otherStudent, new Date(Date.now() - 3_600_000), 10);
		expect((await http.request("PUT", `/api/assignments/${assignment.id}/sessions/${theirs.id}`, { token: student.token })).status).toBe(404);
		expect((await http.request("PUT", `/api/assignments/${assignment.id}/sessions/${randomUUID()}`, { token: student.token })).status).toBe(404);
		expect((await http.request("POST", "/api/assignments", { token: teacher.token, body: { studentId: student.id, title: "x", dueDate: "2026-02-30" } })).status).toBe(422);
		expect((await http.request("POST", "/api/assignments", { token: teacher.token, body: { studentId: student.id, title: "x", dueDate: "2026-12-01", tagIds: [randomUUID()] } })).status).toBe(422);
		expect((await http.request("DELETE", `/api/assignments/${assignment.id}`, { token: teacher.token })).status).toBe(204);
		expect((await http.request("GET", `/api/assignments/${assignment.id}`, { token: student.token })).status).toBe(404);
	});
});

describe("the tag designer", () => {
	it("suggests tags accent- and case-insensitively by word prefix or by similarity, the teacher's first, then the student's own use", async () => {
		const designer = await personIn(http, "teacher", "Tag Designer", "Europe/Vienna");
		const pupil = await personIn(http, "student", "Tag Pupil", STUDENT_ZONE);
		await http.link(designer, pupil);
		const make = async (account: Account, name: string, focus: string | null = null) =>
			(await http.request("POST", "/api/tags", { token: account.token, body: { name, color: "#112233", focus } })).body;
		const colle = await make(designer, "Collé bowing", "technique");
		const spiccato = await make(designer, "Spiccato", "technique");
		const vibrato = await make(designer, "Vibrato", null);
		const ownColle = await make(pupil, "colle practice", "technique");
		const ownScales = await make(pupil, "Scale Colleague", "scales");
		await logSession(http, pupil, new Date(Date.now() - 3_600_000), 10, { tagIds: [ownColle.id] });
		await logSession(http, pupil, new Date(Date.now() - 7_200_000), 10, { tagIds: [ownColle.id, spiccato.id] });
		const suggest = async (query: string) => {
			const response = await http.request("GET", `/api/tags/suggest?${query}`, { token: pupil.token });
			expect(response.status, query).toBe(200);
			return response.body as Array<{ id: string; source: string; uses: number; focus: string | null }>;
		};

		for (const spelling of ["colle", "COLLÉ", "Colle\u0301"]) {
			const found = await suggest(`q=${encodeURIComponent(spelling)}`);
			expect(found.map((tag) => tag.id), spelling).toEqual([colle.id, ownColle.id, ownScales.id]);
			expect(found[0]).toMatchObject({ source: "teacher", uses: 0, focus: "technique" });
			expect(found[1]).toMatchObject({ source: "own", uses: 2 });
		}
		// A typo still finds its tag.
		expect((await suggest("q=spicatto")).map((tag) => tag.id)).toEqual([spiccato.id]);
		// By word prefix, not only the first word.
		expect((await suggest("q=bow")).map((tag) => tag.id)).toEqual([colle.id]);
		// A focus keeps its own tags and those for any focus.
		const technique = await suggest("focus=technique");
		expect(technique.map((tag) => tag.id)).toEqual([spiccato.id, colle.id, vibrato.id, ownColle.id]);
		expect(await suggest("q=zzzz")).toEqual([]);
		expect((await http.request("GET", "/api/tags/suggest?q=x&limit=0", { token: pupil.token })).status).toBe(422);
		expect((await http.request("GET", "/api/tags/suggest?q=x&focus=juggling", { token: pupil.token })).status).toBe(422);
	});

	it("edits a tag's focus, and deleting a tag leaves the sessions that carried it", async () => {
		const tag = (await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "Shifting", color: "#445566" } })).body;
		expect(tag.focus).toBeNull();
		const edited = await http.request("PATCH", `/api/tags/${tag.id}`, { token: teacher.token, body: { focus: "technique" } });
		expect(edited.body).toMatchObject({ id: tag.id, focus: "technique" });
		expect((await http.request("GET", "/api/tags", { token: student.token })).body.find((item: { id: string }) => item.id === tag.id)).toMatchObject({ focus: "technique", ownedByMe: false });
		const session = await logSession(http, student, new Date(Date.now() - 3_600_000), 10, { tagIds: [tag.id] });
		expect((await http.request("DELETE", `/api/tags/${tag.id}`, { token: teacher.token })).status).toBe(204);
		const kept = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(kept.status).toBe(200);
		expect(kept.body.tags).toEqual([]);
	});
});

describe("personal data held by the goals and assignments services", () => {
	it("exports and purges a student's goals, assignments and session links", async () => {
		const learner = await personIn(http, "student", "Leaving", STUDENT_ZONE);
		await http.link(teacher, learner);
		await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: learner.id, daysPerWeek: 2 } });
		await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, daysPerWeek: 5 } });
		const assignment = (await http.request("POST", "/api/assignments", { token: teacher.token, body: { studentId: learner.id, title: "Go", dueDate: localDate(STUDENT_ZONE, -1) } })).body;
		const session = await logSession(http, learner, new Date(Date.now() - 3_600_000), 10);
		await http.request("PUT", `/api/assignments/${assignment.id}/sessions/${session.id}`, { token: learner.token });

		const broker = api.node.broker;
		const goals = await broker.call<{ tables: { weekly_goals: unknown[] } }, object>("goals.exportPersonalData", { userId: learner.id });
		expect(goals.tables.weekly_goals).toHaveLength(1);
		const assignments = await broker.call<{ tables: { assignments: unknown[]; assignment_sessions: unknown[] } }, object>("assignments.exportPersonalData", { userId: learner.id });
		expect(assignments.tables.assignments).toHaveLength(1);
		expect(assignments.tables.assignment_sessions).toHaveLength(1);

		for (const eventId of ["purge-a", "purge-b"]) await broker.sendToChannel("accounts.purge", { userId: learner.id, role: "student", eventId, occurredAt: new Date().toISOString() });
		await until(() => broker.call<{ tables: { weekly_goals: unknown[] } }, object>("goals.exportPersonalData", { userId: learner.id }), (result) => result.tables.weekly_goals.length === 0);
		await until(
			() => broker.call<{ tables: { assignments: unknown[]; assignment_sessions: unknown[] } }, object>("assignments.exportPersonalData", { userId: learner.id }),
			(result) => result.tables.assignments.length === 0 && result.tables.assignment_sessions.length === 0
		);
		// The teacher's goals for other students stay.
		const kept = await broker.call<{ tables: { weekly_goals: Array<{ studentId: string }> } }, object>("goals.exportPersonalData", { userId: teacher.id });
		expect(kept.tables.weekly_goals.map((goal) => goal.studentId)).toEqual([student.id]);
	});
});
