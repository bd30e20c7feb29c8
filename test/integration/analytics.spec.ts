import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStorage, type ObjectStorage } from "../../lib/storage";
import { objectStorageConfig } from "../../mixins/storage.mixin";
import { ANALYSER_VERSION, PRACTICE_METRIC_NAMES } from "../../services/analytics/analyser";
import type { AudioReadyMessage } from "../../services/media/media.service";
import { audioReadyMessage, listenForAnalysisOutcomes, putCorruptTake, putSensorFile, putSyntheticTake, waitUntil, type AnalysisOutcome } from "../../services/analytics/recording-fixtures";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * The analytics worker and API on a real node and real PostgreSQL: a media.audio_ready message
 * in, metrics, curves and rollups out, read over HTTP with the session's own access rules.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let storage: ObjectStorage;
let database: pg.Client;
let student: Account;
let otherStudent: Account;
let linkedTeacher: Account;
let unlinkedTeacher: Account;
let finished: AnalysisOutcome[];

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	storage = createObjectStorage(objectStorageConfig(api.node.config));
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	finished = listenForAnalysisOutcomes(api.node.broker);
	[student, otherStudent, linkedTeacher, unlinkedTeacher] = await Promise.all([
		http.register("student", "Ada"),
		http.register("student", "Bea"),
		http.register("teacher", "Linked"),
		http.register("teacher", "Stranger")
	]);
	await http.link(linkedTeacher, student);
});
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

async function logSession(owner: Account, overrides: Record<string, unknown> = {}): Promise<{ id: string; startedAt: string }> {
	const session = practiceSession(overrides);
	const created = await http.request("POST", "/api/sessions", { token: owner.token, body: session });
	expect(created.status, JSON.stringify(created.body)).toBe(201);
	return { id: session.id, startedAt: session.startedAt };
}

/** Sends the message the media worker would and waits until the worker has finished with it. */
async function deliver(message: AudioReadyMessage): Promise<void> {
	const before = finished.filter((entry) => entry.videoId === message.videoId).length;
	await api.node.broker.sendToChannel("media.audio_ready", message);
	await waitUntil(() => finished.filter((entry) => entry.videoId === message.videoId).length > before, `analysis of ${message.videoId}`);
}

async function analysedTake(owner: Account, tempoBpm: number, sessionOverrides: Record<string, unknown> = {}) {
	const session = await logSession(owner, sessionOverrides);
	const { audioKey } = await putSyntheticTake(storage, tempoBpm);
	const message = audioReadyMessage({ sessionId: session.id, studentId: owner.id, audioKey, recordedAt: session.startedAt });
	await deliver(message);
	return { session, message };
}

async function notReadyData(sessionId: string): Promise<unknown> {
	const meta = { user: { id: student.id, role: "student", name: "Ada" } };
	const error = await api.node.broker.call("analytics.sessionMetrics", { id: sessionId }, { meta }).catch((reason: Error & { type: string; data: unknown }) => reason);
	expect((error as { type?: string }).type).toBe("ERR_METRICS_NOT_READY");
	return (error as { data: unknown }).data;
}

async function storedRows(videoId: string): Promise<{ summary: number; curve: number }> {
	const { rows } = await database.query<{ kind: string; count: string }>("SELECT kind, count(*) FROM metrics WHERE video_id = $1 GROUP BY kind", [videoId]);
	const count = (kind: string) => Number(rows.find((row) => row.kind === kind)?.count ?? 0);
	return { summary: count("summary"), curve: count("curve") };
}

describe("analysing a recording", () => {
	let take: Awaited<ReturnType<typeof analysedTake>>;
	beforeAll(async () => {
		take = await analysedTake(student, 120);
	});

	it("stores one summary row per metric and three 10 Hz curves for the recording", async () => {
		const response = await http.request("GET", `/api/sessions/${take.session.id}/metrics`, { token: student.token });
		expect(response.status).toBe(200);
		const { summary, curves, analyserVersion, missing, durationMs } = response.body;
		expect(analyserVersion).toBe(ANALYSER_VERSION);
		expect(Object.keys(summary).sort()).toEqual([...PRACTICE_METRIC_NAMES].sort());
		expect(summary.tempoBpm).toBeCloseTo(120, 0);
		expect(summary.onsetCount).toBe(16);
		expect(summary.bowStabilityRmsRadPerS).toBeNull();
		expect(missing.bowStabilityRmsRadPerS).toBe("no_sensor_data");
		const pointCount = Math.ceil(durationMs / 100);
		for (const name of ["loudness", "pitch", "deviation"]) expect(curves[name]).toHaveLength(pointCount);
		expect(curves.loudness.slice(0, 3).map((point: { tMs: number }) => point.tMs)).toEqual([0, 100, 200]);
		// The first 300 ms are silent: a gap in the chart, not a number.
		expect(curves.pitch[0].value).toBeNull();
		expect(curves.pitch.some((point: { value: number | null }) => point.value !== null && Math.abs(point.value - 440) < 2)).toBe(true);
		expect(await storedRows(take.message.videoId)).toEqual({ summary: PRACTICE_METRIC_NAMES.length, curve: 3 * pointCount });
	});

	it("rewrites the same rows and rollups when the message is delivered again", async () => {
		const rollups = async () =>
			(await database.query("SELECT hour_start, metric_key, recording_count, value_sum FROM metric_rollups_hourly WHERE student_id = $1 ORDER BY 1, 2", [student.id])).rows;
		const [rowsBefore, rollupsBefore] = [await storedRows(take.message.videoId), await rollups()];
		expect(rollupsBefore.find((row) => row.metric_key === "tempoBpm")).toMatchObject({ recording_count: 1 });
		await deliver(take.message);
		expect(await storedRows(take.message.videoId)).toEqual(rowsBefore);
		expect(await rollups()).toEqual(rollupsBefore);
	});

	it("offers each session's summary to other services by session id", async () => {
		const unknownSession = randomUUID();
		const summaries = await api.node.broker.call<Record<string, { analyserVersion: string; metrics: Record<string, number | null> }>, object>(
			"analytics.summariesBySession",
			{ sessionIds: [take.session.id, unknownSession] }
		);
		expect(Object.keys(summaries)).toEqual([take.session.id]);
		expect(summaries[take.session.id]!.analyserVersion).toBe(ANALYSER_VERSION);
		expect(summaries[take.session.id]!.metrics.tempoBpm).toBeCloseTo(120, 0);
	});

	it("measures bow stability from the sensor file sent beside the audio, and keeps the audio metrics when that file is unusable", async () => {
		const withSensors = async (sensorsKey: string) => {
			const session = await logSession(student);
			const { audioKey, durationMs } = await putSyntheticTake(storage, 120);
			await deliver(audioReadyMessage({ sessionId: session.id, studentId: student.id, audioKey, sensorsKey, recordedAt: session.startedAt, durationMs }));
			return (await http.request("GET", `/api/sessions/${session.id}/metrics`, { token: student.token })).body;
		};
		const steady = await withSensors(await putSensorFile(storage, 8000));
		expect(steady.summary.bowStabilityRmsRadPerS).toBeGreaterThan(0);
		expect(steady.missing.bowStabilityRmsRadPerS).toBeUndefined();

		const garbled = await withSensors(await putCorruptTake(storage));
		expect(garbled.summary.bowStabilityRmsRadPerS).toBeNull();
		expect(garbled.missing.bowStabilityRmsRadPerS).toBe("invalid_sensor_file");
		expect(garbled.summary.tempoBpm).toBeCloseTo(120, 0);
	});

	it("lets the linked teacher read the metrics and hides them from anyone else", async () => {
		const path = `/api/sessions/${take.session.id}/metrics`;
		expect((await http.request("GET", path, { token: linkedTeacher.token })).status).toBe(200);
		for (const outsider of [otherStudent, unlinkedTeacher]) {
			const response = await http.request("GET", path, { token: outsider.token });
			expect(response.status).toBe(404);
			expect(response.body.code).toBe("ERR_SESSION_NOT_FOUND");
		}
		expect((await http.request("GET", path)).status).toBe(401);
	});
});

describe("lifecycle", () => {
	it("drops a deleted session's points, analysis and share of the rollups", async () => {
		const { session, message } = await analysedTake(student, 100, { startedAt: "2026-11-22T10:00:00.000Z", endedAt: "2026-11-22T10:30:00.000Z" });
		const rollupsAt = async () =>
			(await database.query("SELECT 1 FROM metric_rollups_hourly WHERE student_id = $1 AND hour_start = '2026-11-22T10:00:00Z'", [student.id])).rows.length;
		expect(await rollupsAt()).toBe(PRACTICE_METRIC_NAMES.length);
		expect((await http.request("DELETE", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(204);
		await waitUntil(async () => (await storedRows(message.videoId)).curve === 0, "the deleted session's points to go");
		expect(await storedRows(message.videoId)).toEqual({ summary: 0, curve: 0 });
		expect(await rollupsAt()).toBe(0);
		expect((await database.query("SELECT 1 FROM metric_analyses WHERE video_id = $1", [message.videoId])).rows).toHaveLength(0);
	});

	it("deletes every metric, analysis and rollup of a student whose account is purged", async () => {
		const leaving = await http.register("student", "Leaving");
		const { message } = await analysedTake(leaving, 100);
		const remaining = async () =>
			(await database.query(
				`SELECT (SELECT count(*) FROM metrics WHERE student_id = $1) + (SELECT count(*) FROM metric_analyses WHERE student_id = $1)
				   + (SELECT count(*) FROM metric_rollups_hourly WHERE student_id = $1) AS count`,
				[leaving.id]
			)).rows[0].count;
		expect(Number(await remaining())).toBeGreaterThan(0);
		expect((await http.request("DELETE", "/api/me", { token: leaving.token, body: { password: "correct horse battery" } })).status).toBe(204);
		// Kept through the grace period (signing in would restore them), purged after it.
		expect(Number(await remaining())).toBeGreaterThan(0);
		await database.query("UPDATE users SET deleted_at = now() - interval '8 days' WHERE id = $1", [leaving.id]);
		await api.node.broker.call("auth.purgeDueAccounts");
		await waitUntil(async () => Number(await remaining()) === 0, "the student's metrics to go");
		expect(await storedRows(message.videoId)).toEqual({ summary: 0, curve: 0 });
	});

	it("re-queues a recording left pending when the embedded default starts again", async () => {
		const session = await logSession(student);
		const { audioKey } = await putSyntheticTake(storage, 110);
		const message = audioReadyMessage({ sessionId: session.id, studentId: student.id, audioKey, recordedAt: session.startedAt });
		// All a process that died mid-analysis leaves behind: the in-process channel kept nothing.
		await database.query(
			"INSERT INTO metric_analyses (video_id, session_id, student_id, status, recorded_at, request) VALUES ($1, $2, $3, 'pending', $4, $5)",
			[message.videoId, message.sessionId, message.studentId, message.recordedAt, JSON.stringify(message)]
		);
		const restarted = await startTestApi(testDatabaseUrl(), { DATA_DIR: api.node.config.dataDir });
		try {
			const statusOf = async () => (await database.query("SELECT status FROM metric_analyses WHERE video_id = $1", [message.videoId])).rows[0]?.status;
			await waitUntil(async () => (await statusOf()) === "done", "the pending recording to be analysed");
			expect(await storedRows(message.videoId)).toMatchObject({ summary: PRACTICE_METRIC_NAMES.length });
		} finally {
			await restarted.stop();
		}
	});
});

describe("a recording the analyser cannot read", () => {
	it("is recorded as failed with the analyser's reason, once, and the API says why", async () => {
		const session = await logSession(student);
		const message = audioReadyMessage({ sessionId: session.id, studentId: student.id, audioKey: await putCorruptTake(storage), recordedAt: session.startedAt });
		await deliver(message);
		const response = await http.request("GET", `/api/sessions/${session.id}/metrics`, { token: student.token });
		expect(response.status).toBe(404);
		expect(response.body.code).toBe("ERR_METRICS_NOT_READY");
		// The gateway passes only code and message; internal callers get the state as data.
		expect(await notReadyData(session.id)).toMatchObject({ state: "failed", failureCode: "ERR_NOT_DECODABLE" });
		expect(await storedRows(message.videoId)).toEqual({ summary: 0, curve: 0 });
		expect(finished.filter((entry) => entry.videoId === message.videoId)).toEqual([{ event: "failed", videoId: message.videoId }]);
	});

	it("answers a session without any recording with ERR_METRICS_NOT_READY and state not_received", async () => {
		const session = await logSession(student);
		const response = await http.request("GET", `/api/sessions/${session.id}/metrics`, { token: student.token });
		expect(response.status).toBe(404);
		expect(response.body.code).toBe("ERR_METRICS_NOT_READY");
		expect(await notReadyData(session.id)).toEqual({ state: "not_received" });
	});

	it("drops a malformed message without analysing anything", async () => {
		const videoId = randomUUID();
		await api.node.broker.sendToChannel("media.audio_ready", { videoId, sessionId: "not-a-uuid", audioKey: "" });
		await new Promise((resolve) => setTimeout(resolve, 200));
		const { rows } = await database.query("SELECT 1 FROM metric_analyses WHERE video_id = $1", [videoId]);
		expect(rows).toHaveLength(0);
	});
});

describe("the practice dashboard", () => {
	let dashStudent: Account;
	const range = "from=2026-11-14&to=2026-11-26";

	beforeAll(async () => {
		dashStudent = await http.register("student", "Dora");
		await http.link(linkedTeacher, dashStudent);
		// Previous week: one take at 100 bpm. This week: one at 120 bpm. 23:30 UTC on the 20th is the 21st in Vienna.
		await analysedTake(dashStudent, 100, { startedAt: "2026-11-15T17:00:00.000Z", endedAt: "2026-11-15T17:30:00.000Z", focus: "scales" });
		await analysedTake(dashStudent, 120, { startedAt: "2026-11-25T18:00:00.000Z", endedAt: "2026-11-25T18:40:00.000Z", focus: "etudes" });
		await logSession(dashStudent, { startedAt: "2026-11-20T23:30:00.000Z", endedAt: "2026-11-21T00:15:00.000Z", focus: "repertoire" });
		await logSession(dashStudent, { startedAt: "2026-11-24T08:00:00.000Z", endedAt: "2026-11-24T08:20:00.000Z", focus: "scales" });
		await logSession(dashStudent, { startedAt: "2026-11-26T06:00:00.000Z", endedAt: "2026-11-26T06:10:00.000Z", focus: "scales" });
		// Outside the range and before a gap: must not count towards the streak or the totals.
		await logSession(dashStudent, { startedAt: "2026-11-10T17:00:00.000Z", endedAt: "2026-11-10T17:30:00.000Z", focus: "other" });
	});

	it("counts minutes per local day, the streak, time by focus and 7-day metric trends", async () => {
		const response = await http.request("GET", `/api/analytics/dash?${range}&tz=Europe/Vienna`, { token: dashStudent.token });
		expect(response.status).toBe(200);
		const dash = response.body;
		const practised = Object.fromEntries(dash.minutesPerDay.filter((day: { minutes: number }) => day.minutes > 0).map((day: { date: string; minutes: number }) => [day.date, day.minutes]));
		expect(dash.minutesPerDay).toHaveLength(13);
		expect(practised).toEqual({ "2026-11-15": 30, "2026-11-21": 45, "2026-11-24": 20, "2026-11-25": 40, "2026-11-26": 10 });
		expect(dash.streakDays).toBe(3);
		expect(dash.sessions).toBe(5);
		expect(dash.byFocus).toEqual([
			{ focus: "scales", minutes: 60, sessions: 3 },
			{ focus: "repertoire", minutes: 45, sessions: 1 },
			{ focus: "etudes", minutes: 40, sessions: 1 }
		]);
		expect(dash.trends.tempoBpm.last7).toBeCloseTo(120, 0);
		expect(dash.trends.tempoBpm.previous7).toBeCloseTo(100, 0);
		expect(dash.trends.tempoBpm.delta).toBeCloseTo(20, 0);
		expect(dash.trends.bowStabilityRmsRadPerS).toEqual({ last7: null, previous7: null, delta: null });
	});

	it("puts a late-evening session on the day it was in the requested time zone", async () => {
		const response = await http.request("GET", `/api/analytics/dash?${range}&tz=UTC`, { token: dashStudent.token });
		const minutesOn = (date: string) => response.body.minutesPerDay.find((day: { date: string }) => day.date === date).minutes;
		expect([minutesOn("2026-11-20"), minutesOn("2026-11-21")]).toEqual([45, 0]);
	});

	it("shows a linked teacher the student's dashboard and nobody else", async () => {
		const path = `/api/analytics/dash?${range}&tz=Europe/Vienna&studentId=${dashStudent.id}`;
		const asTeacher = await http.request("GET", path, { token: linkedTeacher.token });
		expect(asTeacher.status).toBe(200);
		expect(asTeacher.body.streakDays).toBe(3);
		for (const outsider of [unlinkedTeacher, otherStudent]) {
			const response = await http.request("GET", path, { token: outsider.token });
			expect(response.status).toBe(404);
			expect(response.body.code).toBe("ERR_STUDENT_NOT_FOUND");
		}
	});

	it("refuses an unknown time zone, an impossible date and a reversed range with field errors", async () => {
		for (const query of ["from=2026-11-14&to=2026-11-26&tz=Mars/Olympus", "from=2026-02-30&to=2026-03-02&tz=UTC", "from=2026-11-26&to=2026-11-14&tz=UTC"]) {
			const response = await http.request("GET", `/api/analytics/dash?${query}`, { token: dashStudent.token });
			expect(response.status, query).toBe(422);
			expect(response.body.code).toBe("ERR_VALIDATION");
		}
	});
});
