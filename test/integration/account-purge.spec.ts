import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStorage, type ObjectStorage } from "../../lib/storage";
import { objectStorageConfig } from "../../mixins/storage.mixin";
import { waitUntil } from "../../services/analytics/recording-fixtures";
import { columnsMentioning } from "../support/database-scan";
import { httpClient, type Account } from "../support/http-client";
import { analysedTake, localDate } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";
import { tusUpload } from "../support/tus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Deleting an account: a grace period in which signing in takes it back, then a purge that every
 * service carries out, after which no row in any table and no object in the bucket refers to the
 * person. The check does not trust each service's own idea of its tables: it reads the catalog.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Client;
let storage: ObjectStorage;
let student: Account;
let teacher: Account;
let bystander: Account;
const PASSWORD = "correct horse battery";

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	storage = createObjectStorage(objectStorageConfig(api.node.config));
	[student, teacher, bystander] = await Promise.all([http.register("student", "Leaving"), http.register("teacher", "Teaching"), http.register("student", "Staying")]);
	await http.link(teacher, student);
	await http.link(teacher, bystander);
	await seedEverythingAbout(student, "2030-09-23");
	await seedEverythingAbout(bystander, "2030-09-24");
}, 180_000);
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

async function expectStatus(response: Promise<{ status: number; body: unknown }>, status: number): Promise<any> {
	const settled = await response;
	expect(settled.status, JSON.stringify(settled.body)).toBe(status);
	return settled.body;
}

/** Something in every service: a recording with its sensor file and analysis, tags, feedback, a goal, an assignment, a lesson, a reminder, a feed link. */
async function seedEverythingAbout(pupil: Account, lessonDay: string): Promise<void> {
	const take = await analysedTake(http, api.baseUrl, pupil);
	const sensorFile = Buffer.from(JSON.stringify({ version: 1, startedAt: new Date().toISOString(), samples: [{ t: 0, gyro: [0, 0, 0] }, { t: 10, gyro: [0.1, 0, 0] }] }));
	await tusUpload(sensorFile, { baseUrl: api.baseUrl, token: pupil.token, metadata: { sessionId: take.sessionId, kind: "sensors" } });
	const ownTag = await expectStatus(http.request("POST", "/api/tags", { token: pupil.token, body: { name: `Mine ${pupil.id.slice(0, 4)}`, color: "#112233" } }), 201);
	const teachersTag = await expectStatus(http.request("POST", "/api/tags", { token: teacher.token, body: { name: `Teacher's ${pupil.id.slice(0, 4)}`, color: "#445566" } }), 201);
	for (const tag of [ownTag, teachersTag]) await expectStatus(http.request("PUT", `/api/sessions/${take.sessionId}/tags/${tag.id}`, { token: pupil.token }), 200);
	const pin = await expectStatus(http.request("POST", `/api/videos/${take.videoId}/feedback`, { token: teacher.token, body: { tMs: 1000, text: "Lovely bow" } }), 201);
	await expectStatus(http.request("POST", `/api/feedback/${pin.id}/replies`, { token: pupil.token, body: { text: "Thank you" } }), 201);
	await expectStatus(http.request("POST", `/api/sessions/${take.sessionId}/feedback`, { token: teacher.token, body: { text: "Good week", rating: 4 } }), 201);
	await expectStatus(http.request("PUT", "/api/goals", { token: teacher.token, body: { studentId: pupil.id, minutesPerWeek: 90 } }), 200);
	const assignment = await expectStatus(
		http.request("POST", "/api/assignments", { token: teacher.token, body: { studentId: pupil.id, title: "Scales", dueDate: localDate("Europe/Vienna", -3) } }),
		201
	);
	await expectStatus(http.request("PUT", `/api/assignments/${assignment.id}/sessions/${take.sessionId}`, { token: pupil.token }), 200);
	await expectStatus(
		http.request("POST", "/api/schedule/classes", {
			token: teacher.token,
			body: { title: "Violin", studentIds: [pupil.id], startLocal: `${lessonDay}T16:00`, timezone: "Europe/Vienna", durationMinutes: 45, recurrence: { frequency: "weekly", interval: 1, count: 4 } }
		}),
		201
	);
	await expectStatus(http.request("PUT", "/api/schedule/practice-reminder", { token: pupil.token, body: { enabled: true, localTime: "18:30", timezone: "Europe/Vienna" } }), 200);
	await expectStatus(http.request("POST", "/api/schedule/feed-token", { token: pupil.token }), 201);
}

/** Columns naming the user (id or email) or one of `alsoIds` (rows that name only the user's sessions, recordings or tags). */
function rowsReferring(account: Account, alsoIds: string[] = []): Promise<Record<string, number>> {
	return columnsMentioning(database, [account.id, account.email, ...alsoIds]);
}

/** The ids of the user's sessions and recordings, which other rows may name without naming the user. */
async function idsOwnedBy(account: Account): Promise<string[]> {
	const { rows } = await database.query<{ id: string }>(
		"SELECT id::text FROM practice_sessions WHERE student_id = $1 UNION ALL SELECT id::text FROM videos WHERE owner_id = $1 UNION ALL SELECT id::text FROM tags WHERE owner_id = $1",
		[account.id]
	);
	return rows.map((row) => row.id);
}

/** The bucket's keys that belong to the user's recordings and sensor files (their upload ids and video ids are the only way a key is theirs). */
async function objectsOf(account: Account): Promise<string[]> {
	const { rows } = await database.query<{ id: string }>(
		"SELECT id::text FROM videos WHERE owner_id = $1 UNION ALL SELECT upload_id FROM videos WHERE owner_id = $1 UNION ALL SELECT upload_id FROM sensor_files WHERE owner_id = $1",
		[account.id]
	);
	const markers = [...rows.map((row) => row.id), account.id];
	const keys: string[] = [];
	for await (const object of storage.list("")) keys.push(object.key);
	return keys.filter((key) => markers.some((marker) => key.includes(marker)));
}

async function backdateDeletion(account: Account, days: number): Promise<void> {
	await database.query("UPDATE users SET deleted_at = now() - make_interval(days => $2) WHERE id = $1", [account.id, days]);
}

describe("deleting an account", () => {
	it("is taken back by signing in during the grace period, with nothing lost", async () => {
		const before = await rowsReferring(student);
		await expectStatus(http.request("DELETE", "/api/me", { token: student.token, body: { password: PASSWORD } }), 204);
		expect((await http.request("GET", "/api/me", { token: student.token })).status).toBe(401);
		// Six days later: still inside the default seven.
		await backdateDeletion(student, 6);
		expect(await api.node.broker.call("auth.purgeDueAccounts")).toEqual({ accounts: 0 });

		const signedIn = await expectStatus(http.request("POST", "/api/auth/login", { body: { email: student.email, password: PASSWORD } }), 200);
		expect(signedIn.deletionCancelled).toBe(true);
		student.token = signedIn.token;
		expect((await http.request("GET", "/api/me", { token: student.token })).status).toBe(200);
		const again = await expectStatus(http.request("POST", "/api/auth/login", { body: { email: student.email, password: PASSWORD } }), 200);
		expect(again.deletionCancelled).toBeUndefined();
		// Signing in issued refresh tokens; nothing else changed.
		const withoutTokens = (found: Record<string, number>) => Object.fromEntries(Object.entries(found).filter(([column]) => !column.startsWith("refresh_tokens.")));
		expect(withoutTokens(await rowsReferring(student))).toEqual(withoutTokens(before));
		const sessions = await expectStatus(http.request("GET", "/api/sessions", { token: student.token }), 200);
		expect(sessions.items[0].videos).toHaveLength(1);
		expect(sessions.items[0].metrics).not.toBeNull();
		const roster = await expectStatus(http.request("GET", "/api/students", { token: teacher.token }), 200);
		expect(JSON.stringify(roster)).toContain(student.id);
	});

	it("purges a student for good once the grace period is over: no row in any table, no object in the bucket", async () => {
		const ownIds = await idsOwnedBy(student);
		const before = await rowsReferring(student, ownIds);
		// Every service holds something about this student.
		for (const table of ["users", "students", "teacher_students", "practice_sessions", "session_tags", "tags", "videos", "sensor_files", "metrics", "metric_analyses", "metric_rollups_hourly", "feedback", "weekly_goals", "assignments", "lesson_participants", "practice_reminder_settings", "schedule_feed_tokens"]) {
			expect(Object.keys(before).some((column) => column.startsWith(`${table}.`)), table).toBe(true);
		}
		const objects = await objectsOf(student);
		expect(objects.length).toBeGreaterThanOrEqual(3);
		const bystanderRows = await rowsReferring(bystander);
		const bystanderObjects = await objectsOf(bystander);

		await expectStatus(http.request("DELETE", "/api/me", { token: student.token, body: { password: PASSWORD } }), 204);
		await backdateDeletion(student, 8);
		expect(await api.node.broker.call("auth.purgeDueAccounts")).toEqual({ accounts: 1 });
		await waitUntil(async () => Object.keys(await rowsReferring(student, ownIds)).length === 0, "every service to purge the student", 20_000).catch(async (error: Error) => {
			throw new Error(`${error.message}: ${JSON.stringify(await rowsReferring(student, ownIds))}`);
		});
		expect(await rowsReferring(student, ownIds)).toEqual({});
		let remainingKeys = 0;
		for await (const object of storage.list("")) remainingKeys += objects.includes(object.key) ? 1 : 0;
		expect(remainingKeys).toBe(0);
		// Nobody else lost anything but their link to the student.
		expect(await rowsReferring(bystander)).toEqual(bystanderRows);
		expect(await objectsOf(bystander)).toEqual(bystanderObjects);
		// Once the row is gone there is nothing left to sign in to, and nothing more to purge.
		expect((await http.request("POST", "/api/auth/login", { body: { email: student.email, password: PASSWORD } })).status).toBe(401);
		expect(await api.node.broker.call("auth.purgeDueAccounts")).toEqual({ accounts: 0 });
	});

	it("purges a teacher for good: their lessons, tags, feedback, goals and assignments too", async () => {
		const ownIds = await idsOwnedBy(teacher);
		expect(Object.keys(await rowsReferring(teacher, ownIds)).length).toBeGreaterThan(5);
		await expectStatus(http.request("DELETE", "/api/me", { token: teacher.token, body: { password: PASSWORD } }), 204);
		await backdateDeletion(teacher, 8);
		await api.node.broker.call("auth.purgeDueAccounts");
		await waitUntil(async () => Object.keys(await rowsReferring(teacher, ownIds)).length === 0, "every service to purge the teacher", 20_000).catch(async (error: Error) => {
			throw new Error(`${error.message}: ${JSON.stringify(await rowsReferring(teacher, ownIds))}`);
		});
		expect(await rowsReferring(teacher, ownIds)).toEqual({});
		const sessions = await expectStatus(http.request("GET", "/api/sessions", { token: bystander.token }), 200);
		expect(sessions.items[0].videos).toHaveLength(1);
	});
});
