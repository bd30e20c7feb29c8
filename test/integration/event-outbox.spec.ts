import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { domainEvent } from "../../lib/domain-events";
import { ask, member, reply } from "../support/community-fixtures";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { eventually } from "../support/eventually";
import { testDatabaseUrl } from "../support/file-database";
import { startTestApi, type TestApi } from "../support/test-node";

/**
 * The teacher toolkit's facts (feedback, assignments, goals) and the deletions other services act
 * on (sessions, recordings), and the community's replies and accepts, go through each service's transactional outbox: a change whose
 * announcement could not be sent at commit time is still announced (the student is notified, the
 * deleted session's feedback and recordings go), and the request that made it succeeds.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Client;
let teacher: Account;
let student: Account;
let sessionId: string;

type SendToChannel = (channel: string, payload: unknown, options?: unknown) => Promise<unknown>;
let realSend: SendToChannel;

/** The transporter refuses to carry these channels until `restoreChannels`. */
function failSendsOn(...channels: string[]) {
	const broker = api.node.broker as unknown as { sendToChannel: SendToChannel };
	broker.sendToChannel = (channel, payload, options) =>
		channels.includes(channel) ? Promise.reject(new Error("the transporter is down (injected by the test)")) : realSend(channel, payload, options);
}

function restoreChannels() {
	(api.node.broker as unknown as { sendToChannel: SendToChannel }).sendToChannel = realSend;
}

type OutboxTable = `${"feedback" | "assignments" | "goals" | "sessions" | "media" | "community"}_outbox`;

async function outboxRows(table: OutboxTable): Promise<number> {
	const { rows } = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
	return rows[0]!.n;
}

/** What the media worker leaves once a one-minute recording of the session is processed. */
async function processedRecordingOf(sessionId: string): Promise<string> {
	const videoId = randomUUID();
	await database.query(
		"INSERT INTO videos (id, session_id, owner_id, upload_id, state, duration_s, recorded_at, processed) VALUES ($1, $2, $3, $4, 'ready', 60, now(), true)",
		[videoId, sessionId, student.id, randomUUID()]
	);
	return videoId;
}

async function feedbackRowsOf(where: { sessionId: string } | { videoId: string }): Promise<number> {
	const [column, id] = "sessionId" in where ? ["session_id", where.sessionId] : ["video_id", where.videoId];
	const { rows } = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM feedback WHERE ${column} = $1`, [id]);
	return rows[0]!.n;
}

async function isDeleted(videoId: string): Promise<boolean> {
	const { rows } = await database.query<{ deleted: boolean }>("SELECT deleted_at IS NOT NULL AS deleted FROM videos WHERE id = $1", [videoId]);
	return rows[0]!.deleted;
}

async function noticesOf(account: Account): Promise<Array<{ category: string; title: string }>> {
	const { body } = await http.request("GET", "/api/notifications", { token: account.token });
	return body.items;
}

async function studentNoticeCategories(): Promise<string[]> {
	return (await noticesOf(student)).map((item) => item.category);
}

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	const broker = api.node.broker as unknown as { sendToChannel: SendToChannel };
	realSend = broker.sendToChannel.bind(broker);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	teacher = await http.register("teacher", "Nadia Boulanger");
	student = await http.register("student", "Dinu Lipatti");
	await http.link(teacher, student);
	const session = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
	sessionId = session.body.id;
}, 60_000);
afterEach(restoreChannels);
afterAll(async () => {
	await database.end();
	await api.stop();
});

describe("the transactional outbox", () => {
	it("announces feedback whose event could not be sent at commit time, and the request still succeeds", async () => {
		failSendsOn("feedback.created");
		const note = await http.request("POST", `/api/sessions/${sessionId}/feedback`, { token: teacher.token, body: { text: "Lovely tone", rating: 5 } });
		expect(note.status).toBe(201);
		expect(await outboxRows("feedback_outbox")).toBe(1);
		expect(await studentNoticeCategories()).not.toContain("feedback");

		restoreChannels();
		await eventually(async () => (await studentNoticeCategories()).includes("feedback") || undefined, "the feedback notice", 30_000);
		await eventually(async () => (await outboxRows("feedback_outbox")) === 0 || undefined, "the outbox emptied", 10_000);
	});

	it("announces assignments and goals set while the transporter was down", async () => {
		failSendsOn("assignments.created", "goals.set");
		const assignment = await http.request("POST", "/api/assignments", {
			token: teacher.token,
			body: { studentId: student.id, title: "Bach partita, Allemande", focus: "repertoire", dueDate: "2027-01-15" }
		});
		expect(assignment.status).toBe(201);
		const goal = await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, minutesPerWeek: 150 } });
		expect(goal.status).toBeLessThan(300);
		expect(await outboxRows("assignments_outbox")).toBe(1);
		expect(await outboxRows("goals_outbox")).toBe(1);

		restoreChannels();
		await eventually(async () => {
			const categories = await studentNoticeCategories();
			return (categories.includes("assignment") && categories.includes("goal")) || undefined;
		}, "the assignment and goal notices", 30_000);
	});

	it("completes a session's deletion announced while the transporter was down: its feedback and recordings go", async () => {
		const session = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
		const videoId = await processedRecordingOf(session.body.id);
		expect((await http.request("POST", `/api/sessions/${session.body.id}/feedback`, { token: teacher.token, body: { text: "Steady bow" } })).status).toBe(201);
		failSendsOn("sessions.deleted");
		expect((await http.request("DELETE", `/api/sessions/${session.body.id}`, { token: student.token })).status).toBe(204);
		expect(await outboxRows("sessions_outbox")).toBe(1);
		expect(await feedbackRowsOf({ sessionId: session.body.id })).toBe(1);

		restoreChannels();
		await eventually(async () => (await feedbackRowsOf({ sessionId: session.body.id })) === 0 || undefined, "the session's feedback gone", 30_000);
		await eventually(async () => (await isDeleted(videoId)) || undefined, "the session's recording deleted", 10_000);
		expect(await outboxRows("sessions_outbox")).toBe(0);
	});

	it("takes a deleted recording's pins with it though the deletion could not be announced at once", async () => {
		const session = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
		const videoId = await processedRecordingOf(session.body.id);
		expect((await http.request("POST", `/api/videos/${videoId}/feedback`, { token: teacher.token, body: { tMs: 1_000, text: "Lift here" } })).status).toBe(201);
		failSendsOn("media.video_deleted");
		expect((await http.request("DELETE", `/api/videos/${videoId}`, { token: student.token })).status).toBe(204);
		expect(await outboxRows("media_outbox")).toBe(1);
		expect(await feedbackRowsOf({ videoId })).toBe(1);

		restoreChannels();
		await eventually(async () => (await feedbackRowsOf({ videoId })) === 0 || undefined, "the recording's pins gone", 30_000);
		expect(await outboxRows("media_outbox")).toBe(0);
	});

	it("tells the student of a recording the worker gave up on, though the failure could not be announced at once", async () => {
		const session = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
		const videoId = await processedRecordingOf(session.body.id);
		const worker = api.node.broker.getLocalService("media-worker") as unknown as { failVideo(video: object, code: string, reason: string): Promise<void> };
		const failedNotices = async () => (await noticesOf(student)).filter((notice) => notice.title === "We could not analyse your recording").length;
		const before = await failedNotices();
		failSendsOn("media.video_failed");
		await worker.failVideo({ id: videoId, sessionId: session.body.id, ownerId: student.id }, "ERR_PROCESSING_FAILED", "We could not process this recording.");
		expect(await outboxRows("media_outbox")).toBe(1);
		expect((await database.query("SELECT state FROM videos WHERE id = $1", [videoId])).rows).toEqual([{ state: "failed" }]);

		restoreChannels();
		await eventually(async () => (await failedNotices()) === before + 1 || undefined, "the failure's notice", 30_000);
		expect(await outboxRows("media_outbox")).toBe(0);
	});

	it("tells the asker of an answer and the answerer of an accept, once though it was accepted again, sent while the transporter was down", async () => {
		const asker = await member(http, testDatabaseUrl(), "Asker", 50);
		const answerer = await member(http, testDatabaseUrl(), "Answerer", 50);
		failSendsOn("community.answered", "community.accepted");
		const postId = await ask(http, asker, { title: "Spiccato at the balance point?", body: "Where on the bow does spiccato start for you?" });
		const answerId = await reply(http, answerer, postId, "Just below the middle, then find your own spot.");
		expect((await http.request("PUT", `/api/forum/posts/${postId}/accept/${answerId}`, { token: asker.token })).status).toBe(200);
		expect((await http.request("DELETE", `/api/forum/posts/${postId}/accept`, { token: asker.token })).status).toBeLessThan(300);
		expect((await http.request("PUT", `/api/forum/posts/${postId}/accept/${answerId}`, { token: asker.token })).status).toBe(200);
		// The answer and one accept: the second accept is the same fact under the same event id.
		expect(await outboxRows("community_outbox")).toBe(2);

		restoreChannels();
		await eventually(async () => (await noticesOf(asker)).some((notice) => notice.title === "New answer to your question") || undefined, "the asker's notice", 30_000);
		await eventually(async () => (await outboxRows("community_outbox")) === 0 || undefined, "the outbox emptied", 10_000);
		await eventually(async () => (await noticesOf(answerer)).length > 0 || undefined, "the answerer's notice", 10_000);
		expect((await noticesOf(answerer)).map((notice) => notice.title)).toEqual(["Your answer was accepted"]);
	});

	it("sends what a node recorded and never sent because it died before sending", async () => {
		// The row a crashed node leaves: recorded in the transaction of its change, a minute ago.
		const event = domainEvent<"goals.set">({ goalId: randomUUID(), teacherId: teacher.id, studentId: student.id, minutesPerWeek: 200, daysPerWeek: 5 });
		await database.query("INSERT INTO goals_outbox (event_id, channel, event, recorded_by, recorded_at) VALUES ($1, 'goals.set', $2, $3, now() - interval '1 minute')", [
			event.eventId,
			JSON.stringify(event),
			teacher.id
		]);
		await eventually(async () => {
			const { rows } = await database.query("SELECT 1 FROM notifications WHERE dedupe_key = $1", [event.eventId]);
			return rows.length > 0 || undefined;
		}, "the notice of the orphaned event", 30_000);
		expect(await outboxRows("goals_outbox")).toBe(0);
	});

	it("lets nobody but the service read its outbox, and a person record only as themselves", async () => {
		const asApp = async (sql: string, userId: string) => {
			await database.query("BEGIN");
			try {
				await database.query("SET LOCAL ROLE etude_app");
				await database.query("SELECT set_config('etude.user_id', $1, true)", [userId]);
				return await database.query(sql);
			} finally {
				await database.query("ROLLBACK");
			}
		};
		failSendsOn("goals.set");
		await http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: student.id, minutesPerWeek: 90 } });
		expect((await asApp("SELECT * FROM goals_outbox", teacher.id)).rows).toEqual([]);
		await expect(
			asApp(`INSERT INTO goals_outbox (event_id, channel, event, recorded_by) VALUES ('${randomUUID()}', 'goals.set', '{}', '${student.id}')`, teacher.id)
		).rejects.toThrow(/row-level security/);
		restoreChannels();
	});
});
