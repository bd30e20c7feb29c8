import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "moleculer";
import { httpClient, type Account } from "../support/http-client";
import { analysedTake, logSession, until } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Timestamped feedback on a real recording (uploaded with tus, packaged and analysed by the real
 * media and analytics services), session notes and replies, through HTTP.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let teacher: Account;
let student: Account;
let take: { sessionId: string; videoId: string; durationS: number };
const announced: Array<Record<string, unknown>> = [];

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	// A stand-in for the notifications service: the durable channel's consumer.
	api.node.broker.createService({
		name: "feedback-listener",
		channels: {
			"feedback.created": {
				group: "feedback-listener",
				handler(ctx: Context<Record<string, unknown>>) {
					announced.push(ctx.params);
				}
			}
		}
	});
	await api.node.broker.waitForServices(["feedback-listener"]);
	teacher = await http.register("teacher", "Ms Teacher");
	student = await http.register("student", "Sam Student");
	await http.link(teacher, student);
	take = await analysedTake(http, api.baseUrl, student);
}, 180_000);
afterAll(() => api.stop());

const pinAt = (tMs: number, extra: Record<string, unknown> = {}) => ({ tMs, text: "Bow *closer* to the bridge here", ...extra });

describe("pins on a recording", () => {
	it("stores a pin with its drawing, rendered text and the measured pitch at that moment", async () => {
		const drawing = { shapes: [{ kind: "arrow", points: [[0.2, 0.3], [0.6, 0.5]], color: "#FF3366" }, { kind: "freehand", points: [[0.1, 0.1], [0.2, 0.15], [0.3, 0.1]], color: "#00aa00" }] };
		const created = await http.request("POST", `/api/videos/${take.videoId}/feedback`, {
			token: teacher.token,
			body: pinAt(2000, { endTMs: 3000, drawing, metric: { key: "pitch" }, text: "**Listen** <script>alert(1)</script>" })
		});
		expect(created.status).toBe(201);
		expect(created.headers.get("location")).toBe(`/api/feedback/${created.body.id}`);
		expect(created.body).toMatchObject({
			kind: "pin",
			videoId: take.videoId,
			sessionId: take.sessionId,
			studentId: student.id,
			parentId: null,
			author: { id: teacher.id, name: "Ms Teacher", role: "teacher" },
			tMs: 2000,
			endTMs: 3000,
			drawing,
			rating: null,
			replies: []
		});
		expect(created.body.html).toContain("<strong>Listen</strong>");
		expect(created.body.html).not.toContain("<script");
		// The test clip is a steady 440 Hz tone.
		expect(created.body.metric.key).toBe("pitch");
		expect(created.body.metric.unit).toBe("Hz");
		expect(created.body.metric.value).toBeCloseTo(440, -1);
	});

	it("stores a summary metric of the take, and announces the pin to the student on the durable channel", async () => {
		const created = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body: pinAt(500, { metric: { key: "intonationMeanAbsDeviationCents" } }) });
		expect(created.status).toBe(201);
		expect(created.body.metric).toMatchObject({ key: "intonationMeanAbsDeviationCents", unit: "cents" });
		expect(typeof created.body.metric.value).toBe("number");
		const event = await until(async () => announced.find((message) => message.feedbackId === created.body.id), Boolean);
		expect(event).toMatchObject({
			authorId: teacher.id,
			recipientIds: [student.id],
			studentId: student.id,
			sessionId: take.sessionId,
			videoId: take.videoId,
			tMs: 500,
			excerpt: "Bow closer to the bridge here",
			parentId: null
		});
		expect(typeof event!.eventId).toBe("string");
	});

	it("lists pins by time with their replies to the student and the teacher, and threads a reply to both", async () => {
		const late = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body: pinAt(3500) });
		const early = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body: pinAt(100) });
		const reply = await http.request("POST", `/api/feedback/${early.body.id}/replies`, { token: student.token, body: { text: "Like this?" } });
		expect(reply.status).toBe(201);
		expect(reply.body).toMatchObject({ kind: "reply", parentId: early.body.id, videoId: take.videoId, tMs: null, author: { id: student.id, role: "student" } });
		const answer = await http.request("POST", `/api/feedback/${early.body.id}/replies`, { token: teacher.token, body: { text: "Yes!" } });
		expect(answer.status).toBe(201);
		// A teacher's answer goes to the student; the student's reply went to the pin's author.
		const replyEvent = await until(async () => announced.find((message) => message.feedbackId === reply.body.id), Boolean);
		expect(replyEvent!.recipientIds).toEqual([teacher.id]);
		const answerEvent = await until(async () => announced.find((message) => message.feedbackId === answer.body.id), Boolean);
		expect(answerEvent!.recipientIds).toEqual([student.id]);

		for (const reader of [student, teacher]) {
			const listed = await http.request("GET", `/api/videos/${take.videoId}/feedback`, { token: reader.token });
			expect(listed.status).toBe(200);
			expect(listed.body.videoId).toBe(take.videoId);
			const times = listed.body.items.map((item: { tMs: number }) => item.tMs);
			expect(times).toEqual([...times].sort((a, b) => a - b));
			const thread = listed.body.items.find((item: { id: string }) => item.id === early.body.id);
			expect(thread.replies.map((item: { text: string }) => item.text)).toEqual(["Like this?", "Yes!"]);
			expect(listed.body.items.some((item: { id: string }) => item.id === late.body.id)).toBe(true);
		}

		const nested = await http.request("POST", `/api/feedback/${reply.body.id}/replies`, { token: teacher.token, body: { text: "deeper" } });
		expect(nested.status).toBe(422);
		expect(nested.body.code).toBe("ERR_REPLY_TO_REPLY");
	});

	it("refuses times outside the recording, reversed ranges and malformed drawings with the fields named", async () => {
		const durationMs = Math.round(take.durationS * 1000);
		const cases: Array<[Record<string, unknown>, string]> = [
			[pinAt(durationMs + 5000), "tMs"],
			[pinAt(1000, { endTMs: 1000 }), "endTMs"],
			[pinAt(1000, { endTMs: durationMs + 5000 }), "endTMs"],
			[pinAt(-1), "tMs"],
			[pinAt(1000, { drawing: { shapes: [{ kind: "arrow", points: [[0, 0], [0.5, 0.5], [1, 1]], color: "#000000" }] } }), "drawing.shapes[0].points"],
			[pinAt(1000, { drawing: { shapes: [{ kind: "line", points: [[0, 0], [1.5, 0.5]], color: "#000000" }] } }), "drawing.shapes[0].points[1][0]"],
			[pinAt(1000, { drawing: { shapes: [{ kind: "rect", points: [[0, 0], [1, 1]], color: "red" }] } }), "drawing.shapes[0].color"],
			[pinAt(1000, { metric: { key: "loudnessOfTheRoom" } }), "metric.key"],
			[{ tMs: 1000, text: "   " }, "text"],
			[pinAt(1000, { videoTimeMs: 4 }), "videoTimeMs"]
		];
		for (const [body, field] of cases) {
			const response = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body });
			expect(response.status, JSON.stringify(body)).toBe(422);
			expect(response.body.code).toBe("ERR_VALIDATION");
			expect(response.body.fields.map((problem: { field: string }) => problem.field), JSON.stringify(body)).toContain(field);
		}
	});

	it("lets only the author change or delete a pin, with fields of its kind; a pin's replies go with it", async () => {
		const pin = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body: pinAt(1000, { metric: { key: "pitch" } }) });
		const reply = await http.request("POST", `/api/feedback/${pin.body.id}/replies`, { token: student.token, body: { text: "ok" } });

		const byStudent = await http.request("PATCH", `/api/feedback/${pin.body.id}`, { token: student.token, body: { text: "mine now" } });
		expect(byStudent.status).toBe(403);
		const wrongKind = await http.request("PATCH", `/api/feedback/${pin.body.id}`, { token: teacher.token, body: { rating: 5 } });
		expect(wrongKind.status).toBe(422);
		expect(wrongKind.body.fields[0].field).toBe("rating");

		const moved = await http.request("PATCH", `/api/feedback/${pin.body.id}`, { token: teacher.token, body: { tMs: 1500, text: "_later_", drawing: null } });
		expect(moved.status).toBe(200);
		expect(moved.body).toMatchObject({ tMs: 1500, text: "_later_", drawing: null, metric: { key: "pitch", unit: "Hz" } });
		expect(moved.body.html).toContain("<em>later</em>");
		expect(moved.body.replies).toHaveLength(1);
		const cleared = await http.request("PATCH", `/api/feedback/${pin.body.id}`, { token: teacher.token, body: { metric: null } });
		expect(cleared.body.metric).toBeNull();

		expect((await http.request("DELETE", `/api/feedback/${reply.body.id}`, { token: teacher.token })).status).toBe(403);
		expect((await http.request("DELETE", `/api/feedback/${pin.body.id}`, { token: teacher.token })).status).toBe(204);
		expect((await http.request("GET", `/api/feedback/${pin.body.id}`, { token: student.token })).status).toBe(404);
		expect((await http.request("GET", `/api/feedback/${reply.body.id}`, { token: student.token })).status).toBe(404);
	});
});

describe("session notes", () => {
	it("keeps a teacher's note with a rating, answered by the student, apart from the recording's pins", async () => {
		const note = await http.request("POST", `/api/sessions/${take.sessionId}/feedback`, { token: teacher.token, body: { text: "Good focus today", rating: 4 } });
		expect(note.status).toBe(201);
		expect(note.body).toMatchObject({ kind: "session", videoId: null, tMs: null, rating: 4, studentId: student.id });
		await http.request("POST", `/api/feedback/${note.body.id}/replies`, { token: student.token, body: { text: "Thanks" } });
		const listed = await http.request("GET", `/api/sessions/${take.sessionId}/feedback`, { token: student.token });
		expect(listed.status).toBe(200);
		expect(listed.body.items).toHaveLength(1);
		expect(listed.body.items[0]).toMatchObject({ id: note.body.id, replies: [{ text: "Thanks", kind: "reply" }] });

		const rerated = await http.request("PATCH", `/api/feedback/${note.body.id}`, { token: teacher.token, body: { rating: null } });
		expect(rerated.body.rating).toBeNull();
		const badRating = await http.request("POST", `/api/sessions/${take.sessionId}/feedback`, { token: teacher.token, body: { text: "x", rating: 6 } });
		expect(badRating.status).toBe(422);
	});

	it("a student cannot write pins or notes, not even on their own practice", async () => {
		const pin = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: student.token, body: pinAt(100) });
		expect(pin.status).toBe(403);
		const note = await http.request("POST", `/api/sessions/${take.sessionId}/feedback`, { token: student.token, body: { text: "self praise" } });
		expect(note.status).toBe(403);
	});

	it("a deleted session takes its feedback with it", async () => {
		const session = await logSession(http, student, new Date(Date.now() - 7_200_000), 15);
		const note = await http.request("POST", `/api/sessions/${session.id}/feedback`, { token: teacher.token, body: { text: "soon gone" } });
		expect(note.status).toBe(201);
		expect((await http.request("DELETE", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(204);
		await until(() => http.request("GET", `/api/feedback/${note.body.id}`, { token: teacher.token }), (response) => response.status === 404);
	});
});

describe("personal data held by the feedback service", () => {
	it("exports what a user wrote and what was written about their practice, and purges both", async () => {
		const learner = await http.register("student");
		await http.link(teacher, learner);
		const session = await logSession(http, learner, new Date(Date.now() - 3_600_000), 10);
		const note = await http.request("POST", `/api/sessions/${session.id}/feedback`, { token: teacher.token, body: { text: "about you" } });
		const reply = await http.request("POST", `/api/feedback/${note.body.id}/replies`, { token: learner.token, body: { text: "by you" } });

		const exported = await api.node.broker.call<{ service: string; tables: { feedback: Array<{ id: string }> } }, { userId: string }>("feedback.exportPersonalData", { userId: learner.id });
		expect(exported.service).toBe("feedback");
		expect(exported.tables.feedback.map((row) => row.id).sort()).toEqual([note.body.id, reply.body.id].sort());

		await api.node.broker.sendToChannel("accounts.purge", { userId: learner.id, role: "student", eventId: "purge-1", occurredAt: new Date().toISOString() });
		await until(
			() => api.node.broker.call<{ tables: { feedback: unknown[] } }, { userId: string }>("feedback.exportPersonalData", { userId: learner.id }),
			(result) => result.tables.feedback.length === 0
		);
		// Idempotent: a second purge finds nothing and fails nothing.
		await api.node.broker.sendToChannel("accounts.purge", { userId: learner.id, role: "student", eventId: "purge-2", occurredAt: new Date().toISOString() });
		expect((await http.request("GET", `/api/feedback/${note.body.id}`, { token: teacher.token })).status).toBe(404);
		// The teacher's other feedback is untouched.
		expect((await http.request("GET", `/api/videos/${take.videoId}/feedback`, { token: teacher.token })).body.items.length).toBeGreaterThan(0);
	});
});

describe("a deleted recording", () => {
	// Last in this file: it deletes the take the tests above share.
	it("takes its pins and their replies with it, and leaves the notes on its session", async () => {
		const pin = await http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body: pinAt(1500) });
		const reply = await http.request("POST", `/api/feedback/${pin.body.id}/replies`, { token: student.token, body: { text: "I will try" } });
		const note = await http.request("POST", `/api/sessions/${take.sessionId}/feedback`, { token: teacher.token, body: { text: "Good session" } });
		expect([pin.status, reply.status, note.status]).toEqual([201, 201, 201]);
		expect((await http.request("DELETE", `/api/videos/${take.videoId}`, { token: student.token })).status).toBe(204);
		await until(() => http.request("GET", `/api/feedback/${pin.body.id}`, { token: teacher.token }), (response) => response.status === 404);
		expect((await http.request("GET", `/api/feedback/${reply.body.id}`, { token: student.token })).status).toBe(404);
		expect((await http.request("GET", `/api/feedback/${note.body.id}`, { token: student.token })).status).toBe(200);
	});
});
