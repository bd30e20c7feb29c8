import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

let api: TestApi;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
});
afterAll(() => api.stop());

async function logSession(student: Account, overrides: Record<string, unknown> = {}) {
	const response = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession(overrides) });
	expect(response.status, JSON.stringify(response.body)).toBe(201);
	return response.body;
}

describe("logging practice", () => {
	it("creates a session with a client id and returns the same one, never a copy, when the request repeats", async () => {
		const student = await http.register("student");
		const session = practiceSession();
		const first = await http.request("POST", "/api/sessions", { token: student.token, body: session });
		const second = await http.request("POST", "/api/sessions", { token: student.token, body: session });
		expect(first.status).toBe(201);
		expect(first.headers.get("location")).toBe(`/api/sessions/${session.id}`);
		expect(second.status).toBe(200);
		expect(second.body).toEqual(first.body);
		expect(first.body).toMatchObject({ id: session.id, studentId: student.id, focus: "scales", durationMinutes: 45, selfRating: 4 });
		const list = await http.request("GET", "/api/sessions", { token: student.token });
		expect(list.body.total).toBe(1);
	});

	it("gives a session an id when the client sends none", async () => {
		const student = await http.register("student");
		const { id, ...withoutId } = practiceSession();
		const created = await http.request("POST", "/api/sessions", { token: student.token, body: withoutId });
		expect(created.status).toBe(201);
		expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(created.body.id).not.toBe(id);
	});

	it("refuses an id that already belongs to another student's session", async () => {
		const owner = await http.register("student");
		const other = await http.register("student");
		const session = await logSession(owner);
		const clash = await http.request("POST", "/api/sessions", { token: other.token, body: practiceSession({ id: session.id }) });
		expect(clash.status).toBe(409);
		expect(clash.body.code).toBe("ERR_ID_CONFLICT");
	});

	it("stores SQL-looking text verbatim", async () => {
		const student = await http.register("student");
		const note = "'); DROP TABLE practice_sessions; -- \\ \" %_ ${}";
		const session = await logSession(student, { note });
		const read = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(read.body.note).toBe(note);
	});

	it("refuses impossible times with the field that is wrong", async () => {
		const student = await http.register("student");
		const backwards = await http.request("POST", "/api/sessions", {
			token: student.token,
			body: practiceSession({ startedAt: "2026-11-20T18:00:00Z", endedAt: "2026-11-20T17:00:00Z" })
		});
		expect(backwards.status).toBe(422);
		expect(backwards.body.fields).toEqual([{ field: "endedAt", message: "The session must end after it starts." }]);
		const marathon = await http.request("POST", "/api/sessions", {
			token: student.token,
			body: practiceSession({ startedAt: "2026-11-19T00:00:00Z", endedAt: "2026-11-20T00:00:00Z" })
		});
		expect(marathon.status).toBe(422);
	});

	it("writes nothing when any tag is not the student's to use", async () => {
		const student = await http.register("student");
		const stranger = await http.register("student");
		const strangersTag = await http.request("POST", "/api/tags", { token: stranger.token, body: { name: "Mine", color: "#112233" } });
		const session = practiceSession({ tagIds: [strangersTag.body.id] });
		const refused = await http.request("POST", "/api/sessions", { token: student.token, body: session });
		expect(refused.status).toBe(422);
		expect(refused.body.fields[0].field).toBe("tagIds");
		expect((await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(404);
	});
});

describe("reading, filtering and paging", () => {
	it("lists newest first and filters by date range, focus and tag", async () => {
		const student = await http.register("student");
		const tag = (await http.request("POST", "/api/tags", { token: student.token, body: { name: "Bach", color: "#AA0000" } })).body;
		await logSession(student, { focus: "scales", startedAt: "2026-11-01T10:00:00Z", endedAt: "2026-11-01T10:20:00Z" });
		await logSession(student, { focus: "repertoire", startedAt: "2026-11-02T10:00:00Z", endedAt: "2026-11-02T11:00:00Z", tagIds: [tag.id] });
		await logSession(student, { focus: "repertoire", startedAt: "2026-11-03T10:00:00Z", endedAt: "2026-11-03T10:30:00Z" });

		const all = await http.request("GET", "/api/sessions", { token: student.token });
		expect(all.body.items.map((s: { startedAt: string }) => s.startedAt.slice(0, 10))).toEqual(["2026-11-03", "2026-11-02", "2026-11-01"]);

		const repertoire = await http.request("GET", "/api/sessions?focus=repertoire", { token: student.token });
		expect(repertoire.body.total).toBe(2);
		const range = await http.request("GET", "/api/sessions?from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z", { token: student.token });
		expect(range.body.items).toHaveLength(1);
		const tagged = await http.request("GET", `/api/sessions?tagId=${tag.id}`, { token: student.token });
		expect(tagged.body.items).toHaveLength(1);
		expect(tagged.body.items[0].tags).toEqual([{ id: tag.id, name: "Bach", color: "#aa0000", focus: null }]);

		const page = await http.request("GET", "/api/sessions?limit=2&offset=2", { token: student.token });
		expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
		expect(page.body.items).toHaveLength(1);
		const beyond = await http.request("GET", "/api/sessions?limit=2&offset=10", { token: student.token });
		expect(beyond.body).toMatchObject({ total: 3, items: [] });
	});

	it("refuses bad filter values", async () => {
		const student = await http.register("student");
		for (const query of ["limit=0", "limit=1000", "offset=-1", "focus=juggling", "from=yesterday", "tagId=42"]) {
			const response = await http.request("GET", `/api/sessions?${query}`, { token: student.token });
			expect(response.status, query).toBe(422);
			expect(response.body.code, query).toBe("ERR_VALIDATION");
		}
	});
});

describe("changing and deleting", () => {
	it("corrects a session, keeping what was not sent", async () => {
		const student = await http.register("student");
		const session = await logSession(student);
		const patched = await http.request("PATCH", `/api/sessions/${session.id}`, { token: student.token, body: { selfRating: 2, note: "Tired" } });
		expect(patched.status).toBe(200);
		expect(patched.body).toMatchObject({ selfRating: 2, note: "Tired", focus: session.focus, startedAt: session.startedAt });
		const impossible = await http.request("PATCH", `/api/sessions/${session.id}`, { token: student.token, body: { endedAt: "2026-11-20T16:00:00Z" } });
		expect(impossible.status).toBe(422);
		const unchanged = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(unchanged.body.endedAt).toBe(session.endedAt);
	});

	it("attaches and detaches tags, including the linked teacher's", async () => {
		const teacher = await http.register("teacher");
		const student = await http.register("student");
		await http.link(teacher, student);
		const teacherTag = (await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "Spiccato", color: "#00aa00" } })).body;
		const session = await logSession(student);
		const tagged = await http.request("PUT", `/api/sessions/${session.id}/tags/${teacherTag.id}`, { token: student.token });
		expect(tagged.body.tags).toEqual([teacherTag]);
		const untagged = await http.request("DELETE", `/api/sessions/${session.id}/tags/${teacherTag.id}`, { token: student.token });
		expect(untagged.body.tags).toEqual([]);
		const tags = await http.request("GET", "/api/tags", { token: student.token });
		expect(tags.body).toEqual([{ ...teacherTag, ownedByMe: false }]);
	});

	it("deletes a session; its id cannot be reused to bring it back", async () => {
		const student = await http.register("student");
		const session = await logSession(student);
		expect((await http.request("DELETE", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(204);
		expect((await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(404);
		const replay = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession({ id: session.id }) });
		expect(replay.status).toBe(410);
		expect(replay.body.code).toBe("ERR_SESSION_DELETED");
	});
});

describe("who sees what", () => {
	it("a student never sees, changes or deletes another student's session", async () => {
		const owner = await http.register("student");
		const intruder = await http.register("student");
		const session = await logSession(owner);
		for (const [method, path, body] of [
			["GET", `/api/sessions/${session.id}`, undefined],
			["PATCH", `/api/sessions/${session.id}`, { note: "hacked" }],
			["DELETE", `/api/sessions/${session.id}`, undefined],
			["PUT", `/api/sessions/${session.id}/tags/${randomUUID()}`, undefined]
		] as const) {
			const response = await http.request(method, path, { token: intruder.token, body });
			expect(response.status, `${method} ${path}`).toBe(404);
			expect(response.body.code).toBe("ERR_SESSION_NOT_FOUND");
		}
		const list = await http.request("GET", `/api/sessions?studentId=${owner.id}`, { token: intruder.token });
		expect(list.status).toBe(404);
		expect((await http.request("GET", `/api/sessions/${session.id}`, { token: owner.token })).body.note).toBe(session.note);
	});

	it("a linked teacher reads a student's sessions but cannot change them", async () => {
		const teacher = await http.register("teacher");
		const student = await http.register("student");
		await http.link(teacher, student);
		const session = await logSession(student);
		const read = await http.request("GET", `/api/sessions/${session.id}`, { token: teacher.token });
		expect(read.status).toBe(200);
		const list = await http.request("GET", `/api/sessions?studentId=${student.id}`, { token: teacher.token });
		expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
		const patch = await http.request("PATCH", `/api/sessions/${session.id}`, { token: teacher.token, body: { note: "x" } });
		expect(patch.status).toBe(403);
		const create = await http.request("POST", "/api/sessions", { token: teacher.token, body: practiceSession() });
		expect(create.status).toBe(403);
	});

	it("a teacher who is not linked sees nothing of the student", async () => {
		const teacher = await http.register("teacher");
		const student = await http.register("student");
		const session = await logSession(student);
		expect((await http.request("GET", `/api/sessions/${session.id}`, { token: teacher.token })).status).toBe(404);
		expect((await http.request("GET", `/api/sessions?studentId=${student.id}`, { token: teacher.token })).status).toBe(404);
	});

	it("a student cannot rename or delete a teacher's tag, which answers 404 like any entity of someone else", async () => {
		const teacher = await http.register("teacher");
		const student = await http.register("student");
		await http.link(teacher, student);
		const tag = (await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "Legato", color: "#123456" } })).body;
		for (const attempt of [
			await http.request("PATCH", `/api/tags/${tag.id}`, { token: student.token, body: { name: "Mine" } }),
			await http.request("DELETE", `/api/tags/${tag.id}`, { token: student.token })
		]) {
			expect(attempt.status).toBe(404);
			expect(attempt.body.code).toBe("ERR_TAG_NOT_FOUND");
		}
		const renamed = await http.request("PATCH", `/api/tags/${tag.id}`, { token: teacher.token, body: { name: "Legato 2" } });
		expect(renamed.body.name).toBe("Legato 2");
		const duplicate = await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "legato 2", color: "#123456" } });
		expect(duplicate.status).toBe(409);
		expect(duplicate.body.code).toBe("ERR_TAG_NAME_TAKEN");
	});
});

describe("tag names", () => {
	it("refuses renaming a tag to a name the owner already uses", async () => {
		const teacher = await http.register("teacher");
		await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "Vibrato", color: "#123456" } });
		const other = (await http.request("POST", "/api/tags", { token: teacher.token, body: { name: "Tone", color: "#654321" } })).body;
		const clash = await http.request("PATCH", `/api/tags/${other.id}`, { token: teacher.token, body: { name: "VIBRATO" } });
		expect(clash.status).toBe(409);
		expect(clash.body.code).toBe("ERR_TAG_NAME_TAKEN");
	});

	it("a session shows its tag as it is now: renamed and recoloured at once, gone once deleted", async () => {
		const student = await http.register("student");
		const tag = (await http.request("POST", "/api/tags", { token: student.token, body: { name: "Spiccato", color: "#112233" } })).body;
		const session = await logSession(student, { tagIds: [tag.id] });
		const read = async () => (await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).body.tags;
		const listed = async () => (await http.request("GET", "/api/sessions", { token: student.token })).body.items[0].tags;
		expect(await read()).toEqual([{ id: tag.id, name: "Spiccato", color: "#112233", focus: null }]);
		expect(await listed()).toEqual(await read());

		await http.request("PATCH", `/api/tags/${tag.id}`, { token: student.token, body: { name: "Sautillé", color: "#445566" } });
		expect(await read()).toEqual([{ id: tag.id, name: "Sautillé", color: "#445566", focus: null }]);
		expect(await listed()).toEqual(await read());

		expect((await http.request("DELETE", `/api/tags/${tag.id}`, { token: student.token })).status).toBe(204);
		expect(await read()).toEqual([]);
		expect(await listed()).toEqual([]);
	});
});

describe("practice minutes for dashboards", () => {
	it("adds up minutes per local day and focus in the student's time zone", async () => {
		const student = await http.register("student");
		// 23:30 UTC on the 1st is already the 2nd in Vienna.
		await logSession(student, { focus: "scales", startedAt: "2026-11-01T23:30:00Z", endedAt: "2026-11-02T00:00:00Z" });
		await logSession(student, { focus: "scales", startedAt: "2026-11-02T10:00:00Z", endedAt: "2026-11-02T10:15:00Z" });
		await logSession(student, { focus: "etudes", startedAt: "2026-11-03T10:00:00Z", endedAt: "2026-11-03T10:45:00Z" });
		const days = await api.node.broker.call("sessions.dailyMinutes", {
			studentId: student.id,
			from: "2026-11-01",
			to: "2026-11-03",
			timezone: "Europe/Vienna"
		});
		expect(days).toEqual([
			{ date: "2026-11-02", focus: "scales", minutes: 45, sessions: 2 },
			{ date: "2026-11-03", focus: "etudes", minutes: 45, sessions: 1 }
		]);
	});
});

describe("when recordings or analysis are unreachable", () => {
	it("still serves the session, without the fields it cannot know", async () => {
		const student = await http.register("student");
		const session = await logSession(student);
		// The last test of this file: the node stops right after it.
		await api.node.broker.destroyService(api.node.broker.getLocalService("media")!);
		const read = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(read.status).toBe(200);
		expect(read.body.videos).toBeUndefined();
		expect(read.body.metrics).toBeNull();
	});
});
