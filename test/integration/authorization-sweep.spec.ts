import { createECDH, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { eventually } from "../support/eventually";
import { inParallel } from "../support/in-parallel";
import { generateStillImage } from "../support/media-fixtures";
import { analysedTake, localDate, logSession, testClip } from "../support/teaching-fixtures";
import { servedRoutes } from "../support/served-routes";
import { startTestApi, type TestApi } from "../support/test-node";
import { tusUpload } from "../support/tus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Every route the gateway serves, called with REAL entities of student A: by student B, by teacher U
 * (linked to nobody), by A's teacher T and by nobody, who must be refused (404 for an entity they may
 * not know of; 401 without a token; 403 for a role that may never call the route, or for someone who
 * may read the entity but not change it) and must see nothing of A in any answer; then by A and T,
 * who must be served, which proves the ids were real. The route list is the gateway's own
 * (`servedRoutes()`: JSON routes, tus uploads, signed object URLs), so a new route without a case
 * fails the first test: add one entry to `cases`.
 */
const CALLERS = ["A", "T", "B", "U", "anonymous"] as const;
type Caller = (typeof CALLERS)[number];
/** Who may not see A's things: their answers are searched for anything of A's. */
const OUTSIDERS: readonly Caller[] = ["B", "U", "anonymous"];
const A_PASSWORD = "A's own passphrase, not B's";

interface Call {
	/** Below the origin, e.g. `/api/sessions/…`; absolute URLs (signed object links) are taken as they are. */
	path: string;
	body?: unknown;
	raw?: Uint8Array | string;
	headers?: Record<string, string>;
}

interface Answer {
	status: number;
	text: string;
	json: any;
	headers: Headers;
}

interface RouteCase {
	/** `METHOD /path` exactly as `servedRoutes()` lists it. */
	route: string;
	/** The request each caller makes: A's real entity ids (outsiders holding a link use their own link's signature on A's object). */
	request(caller: Caller): Call | Promise<Call>;
	expect: Record<Caller, number>;
	/** For a 2xx answer whose status alone does not prove the entity was found (a list, a search). */
	proves?(answer: Answer, caller: Caller): void | Promise<void>;
	/** The success changes what other cases read: it runs after every other, one at a time, in table order. */
	last?: true;
}

let api: TestApi;
let http: ReturnType<typeof httpClient>;
const people = {} as Record<"A" | "T" | "B" | "U" | "C", Account>;
type EntityName =
	| "assignment"
	| "assignmentDone"
	| "assignmentToDelete"
	| "feedTokenOfA"
	| "feedTokenOfT"
	| "forumMedia"
	| "forumImageForA"
	| "forumImageForT"
	| "goal"
	| "hlsUrlForA"
	| "hlsUrlForT"
	| "inviteCode"
	| "lesson"
	| "lessonToDelete"
	| "lessonToSplit"
	| "logoutToken"
	| "noteToDelete"
	| "notification"
	| "exportJob"
	| "pin"
	| "refreshToken"
	| "reply"
	| "replyToDelete"
	| "segmentUrl"
	| "sensorUpload"
	| "session"
	| "sessionNote"
	| "sessionTagged"
	| "sessionToDelete"
	| "sessionUploading"
	| "tag"
	| "tagOfT"
	| "tagToAttach"
	| "tagToDelete"
	| "tagToDetach"
	| "thumbnailUrlForA"
	| "thumbnailUrlForT"
	| "uploadInProgress"
	| "uploadToCancel"
	| "video"
	| "videoInProgress"
	| "sessionOfCancelledUpload"
	| "videoUpload";
/** A's (and A's teacher's) entities, by name; every value is also searched for in outsiders' answers. */
const ids = {} as Record<EntityName, string>;
/** What outsiders use: B's own session and B's links. */
const theirs = {} as Record<"session" | "hlsUrl" | "thumbnailUrl" | "segmentUrl", string>;
const A_TEXTS = {
	note: "A's private practice note",
	tag: "Sautillé of A",
	pin: "T's pin on A's take",
	sessionNote: "T's note on A's session",
	reply: "A's reply to T",
	assignment: "A's étude no. 3",
	lesson: "A's Tuesday violin lesson",
	name: "Student A of the sweep"
};

function tokenOf(caller: Caller): string | undefined {
	return caller === "anonymous" ? undefined : people[caller].token;
}

async function send(caller: Caller, method: string, call: Call): Promise<Answer> {
	const headers: Record<string, string> = { ...call.headers };
	const token = tokenOf(caller);
	if (token) headers.authorization = `Bearer ${token}`;
	let body: Uint8Array | string | undefined = call.raw;
	if (body === undefined && call.body !== undefined) {
		body = JSON.stringify(call.body);
		headers["content-type"] ??= "application/json";
	}
	const url = /^https?:/.test(call.path) ? call.path : `${api.baseUrl}${call.path}`;
	const response = await fetch(url, { method: method, headers, body: body as BodyInit | undefined });
	const text = await response.text();
	let json: unknown;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: response.status, text, json, headers: response.headers };
}

/** Another link's query (expiry, signature, whom it was issued to) on this link's path: what someone holding a link of their own can forge. */
function withSignatureOf(link: string, donor: string): string {
	const url = new URL(link, api.baseUrl);
	url.search = new URL(donor, api.baseUrl).search;
	return /^https?:/.test(link) ? url.toString() : `${url.pathname}${url.search}`;
}

/** A secret with its last character changed: a guess that is not the secret. */
function guessed(secret: string): string {
	return `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
}

const TUS = { "tus-resumable": "1.0.0" };
const base64 = (value: string) => Buffer.from(value).toString("base64");

async function uploadOffset(uploadId: string): Promise<number> {
	const head = await fetch(`${api.baseUrl}/api/uploads/${uploadId}`, { method: "HEAD", headers: { ...TUS, authorization: `Bearer ${people.A.token}` } });
	return Number(head.headers.get("upload-offset"));
}

const json = (answer: Answer) => JSON.stringify(answer.json ?? answer.text);
const mentions = (value: () => string) => (answer: Answer) => expect(json(answer)).toContain(value());

// Who gets what, by the role and relation each route declares (README, "API").
const readableByAandT = (ok: number): Record<Caller, number> => ({ A: ok, T: ok, B: 404, U: 404, anonymous: 401 });
const changedByAOnly = (ok: number): Record<Caller, number> => ({ A: ok, T: 403, B: 404, U: 404, anonymous: 401 });
const changedByTOnly = (ok: number): Record<Caller, number> => ({ A: 403, T: ok, B: 404, U: 404, anonymous: 401 });
const everyoneSignedIn = (ok: number): Record<Caller, number> => ({ A: ok, T: ok, B: ok, U: ok, anonymous: 401 });
const everyone = (ok: number): Record<Caller, number> => ({ A: ok, T: ok, B: ok, U: ok, anonymous: ok });
/** Student-only routes about A's own things: B finds nothing, teachers may never call them. */
const studentsOwn = (ok: number): Record<Caller, number> => ({ A: ok, T: 403, B: 404, U: 403, anonymous: 401 });
/** Teacher-only routes about A: U (not A's teacher) finds no such student, students may never call them. */
const teachersOfA = (ok: number): Record<Caller, number> => ({ A: 403, T: ok, B: 403, U: 404, anonymous: 401 });

const dashboardRange = () => `from=${localDate("Europe/Vienna", 30)}&to=${localDate("Europe/Vienna")}&tz=Europe/Vienna`;
const OCCURRENCE_2 = "2031-03-11T15:00:00.000Z";
const OCCURRENCE_3 = "2031-03-18T15:00:00.000Z";
const SPLIT_AT = "2031-03-13T15:00:00.000Z";
const occurrencePath = (lesson: string, start: string) => `/api/schedule/classes/${lesson}/occurrences/${encodeURIComponent(start)}`;

const cases: RouteCase[] = [
	// Health and the API document: public, and about nobody.
	{ route: "GET /api/health", request: () => ({ path: "/api/health" }), expect: everyone(200) },
	{ route: "GET /api/health/live", request: () => ({ path: "/api/health/live" }), expect: everyone(200) },
	{ route: "GET /api/health/ready", request: () => ({ path: "/api/health/ready" }), expect: everyone(200) },
	{ route: "GET /api/openapi.json", request: () => ({ path: "/api/openapi.json" }), expect: everyone(200) },

	// Accounts. Outsiders try A's email and refresh tokens; A uses its own.
	{
		route: "POST /api/auth/register",
		request: (caller) => ({
			path: "/api/auth/register",
			body: { email: caller === "A" ? `another-${randomUUID()}@example.org` : people.A.email, password: "a long enough password", role: "student", name: "Someone", timezone: "Europe/Vienna" }
		}),
		expect: { A: 201, T: 409, B: 409, U: 409, anonymous: 409 }
	},
	{
		route: "POST /api/auth/login",
		request: (caller) => ({ path: "/api/auth/login", body: { email: people.A.email, password: caller === "A" ? A_PASSWORD : "correct horse battery" } }),
		expect: { A: 200, T: 401, B: 401, U: 401, anonymous: 401 },
		proves: (answer) => expect(answer.json.user.id).toBe(people.A.id)
	},
	{
		route: "POST /api/auth/refresh",
		request: (caller) => ({ path: "/api/auth/refresh", body: { refreshToken: caller === "A" ? ids.refreshToken : guessed(ids.refreshToken) } }),
		expect: { A: 200, T: 401, B: 401, U: 401, anonymous: 401 },
		proves: (answer) => expect(answer.json.user.id).toBe(people.A.id)
	},
	{
		// Signing out answers 204 whatever the token, so it tells nobody whether one exists.
		route: "POST /api/auth/logout",
		request: (caller) => ({ path: "/api/auth/logout", body: { refreshToken: caller === "A" ? ids.logoutToken : guessed(ids.logoutToken) } }),
		expect: everyone(204)
	},
	{ route: "GET /api/me", request: () => ({ path: "/api/me" }), expect: everyoneSignedIn(200), proves: (answer, caller) => expect(answer.json.id).toBe(people[caller as "A" | "T"].id) },
	{ route: "PATCH /api/me", request: () => ({ path: "/api/me", body: { a4Hz: 442 } }), expect: everyoneSignedIn(200), proves: (answer, caller) => expect(answer.json.id).toBe(people[caller as "A" | "T"].id) },
	{
		route: "POST /api/teachers/invites",
		request: () => ({ path: "/api/teachers/invites" }),
		expect: { A: 403, T: 201, B: 403, U: 201, anonymous: 401 }
	},
	{
		route: "GET /api/teachers/invites",
		request: () => ({ path: "/api/teachers/invites" }),
		expect: { A: 403, T: 200, B: 403, U: 200, anonymous: 401 },
		proves: mentions(() => ids.inviteCode)
	},
	{
		// An invite code is a secret handed over in person: outsiders can only guess one.
		route: "POST /api/students/link",
		request: (caller) => ({ path: "/api/students/link", body: { code: caller === "A" ? ids.inviteCode : guessed(ids.inviteCode) } }),
		expect: { A: 200, T: 403, B: 404, U: 403, anonymous: 401 },
		proves: (answer) => expect(answer.json.teacher.id).toBe(people.T.id)
	},
	{ route: "GET /api/teachers", request: () => ({ path: "/api/teachers" }), expect: { A: 200, T: 403, B: 200, U: 403, anonymous: 401 }, proves: mentions(() => people.T.id) },
	{
		// T ends its link with C (a student only this case uses); U tries A.
		route: "DELETE /api/students/:id",
		request: (caller) => ({ path: `/api/students/${caller === "T" ? people.C.id : people.A.id}` }),
		expect: teachersOfA(204)
	},
	{ route: "GET /api/students", request: () => ({ path: "/api/students" }), expect: { A: 403, T: 200, B: 403, U: 200, anonymous: 401 }, proves: mentions(() => people.A.id) },

	// Practice sessions and tags.
	{
		// B sends A's session id as its client id: the id is taken, and nothing of A's session comes back.
		route: "POST /api/sessions",
		request: (caller) => ({ path: "/api/sessions", body: practiceSession(caller === "A" ? {} : { id: ids.session }) }),
		expect: { A: 201, T: 403, B: 409, U: 403, anonymous: 401 }
	},
	{ route: "GET /api/sessions", request: () => ({ path: `/api/sessions?studentId=${people.A.id}` }), expect: readableByAandT(200), proves: mentions(() => ids.session) },
	{ route: "GET /api/sessions/:id", request: () => ({ path: `/api/sessions/${ids.session}` }), expect: readableByAandT(200) },
	{ route: "PATCH /api/sessions/:id", request: () => ({ path: `/api/sessions/${ids.session}`, body: { selfRating: 5 } }), expect: changedByAOnly(200) },
	{ route: "DELETE /api/sessions/:id", request: () => ({ path: `/api/sessions/${ids.sessionToDelete}` }), expect: changedByAOnly(204) },
	{ route: "PUT /api/sessions/:id/tags/:tagId", request: () => ({ path: `/api/sessions/${ids.session}/tags/${ids.tagToAttach}` }), expect: changedByAOnly(200) },
	{
		// A's tag on B's own session: B may not use it, and learns no more than with an unknown id.
		route: "PUT /api/sessions/:id/tags/:tagId",
		request: (caller) => ({ path: `/api/sessions/${caller === "A" ? ids.sessionTagged : theirs.session}/tags/${ids.tag}` }),
		expect: { A: 200, T: 404, B: 404, U: 404, anonymous: 401 }
	},
	{ route: "DELETE /api/sessions/:id/tags/:tagId", request: () => ({ path: `/api/sessions/${ids.sessionTagged}/tags/${ids.tagToDetach}` }), expect: changedByAOnly(200) },
	{ route: "GET /api/tags", request: () => ({ path: "/api/tags" }), expect: everyoneSignedIn(200), proves: (answer, caller) => expect(json(answer)).toContain(caller === "A" ? ids.tag : ids.tagOfT) },
	{ route: "POST /api/tags", request: () => ({ path: "/api/tags", body: { name: "Spiccato", color: "#336699" } }), expect: everyoneSignedIn(201) },
	{ route: "PATCH /api/tags/:id", request: () => ({ path: `/api/tags/${ids.tag}`, body: { color: "#aa00aa" } }), expect: { A: 200, T: 404, B: 404, U: 404, anonymous: 401 } },
	{ route: "DELETE /api/tags/:id", request: () => ({ path: `/api/tags/${ids.tagToDelete}` }), expect: { A: 204, T: 404, B: 404, U: 404, anonymous: 401 } },
	{
		route: "GET /api/tags/suggest",
		request: () => ({ path: `/api/tags/suggest?q=${encodeURIComponent("sautille")}` }),
		expect: everyoneSignedIn(200),
		// A finds its own tag; T is offered its own tags, never a student's.
		proves: (answer, caller) => (caller === "A" ? expect(json(answer)).toContain(ids.tag) : expect(json(answer)).not.toContain(ids.tag))
	},
	{
		// T's tag is offered to T's students, and to nobody else.
		route: "GET /api/tags/suggest",
		request: () => ({ path: `/api/tags/suggest?q=${encodeURIComponent("detache")}` }),
		expect: everyoneSignedIn(200),
		proves: mentions(() => ids.tagOfT)
	},

	// Recordings: uploads (tus, outside the OpenAPI document), playback links, stored objects.
	{
		route: "POST /api/uploads",
		request: () => ({
			path: "/api/uploads",
			headers: { ...TUS, "upload-length": "1000", "upload-metadata": `sessionId ${base64(ids.sessionUploading)},kind ${base64("video")}` }
		}),
		expect: studentsOwn(201)
	},
	{ route: "OPTIONS /api/uploads", request: () => ({ path: "/api/uploads" }), expect: everyone(204) },
	{
		route: "HEAD /api/uploads/:id",
		request: () => ({ path: `/api/uploads/${ids.uploadInProgress}`, headers: TUS }),
		expect: studentsOwn(200),
		proves: (answer) => expect(Number(answer.headers.get("upload-offset"))).toBeGreaterThan(0)
	},
	{
		route: "PATCH /api/uploads/:id",
		request: async (caller) => {
			const offset = caller === "A" ? await uploadOffset(ids.uploadInProgress) : 0;
			return {
				path: `/api/uploads/${ids.uploadInProgress}`,
				headers: { ...TUS, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
				raw: (await testClip()).subarray(offset, offset + 1024)
			};
		},
		expect: studentsOwn(204)
	},
	{
		// The original recording, as uploaded.
		route: "GET /api/uploads/:id",
		request: () => ({ path: `/api/uploads/${ids.videoUpload}` }),
		expect: studentsOwn(200),
		proves: async (answer) => expect(Number(answer.headers.get("content-length"))).toBe((await testClip()).length)
	},
	{
		// The sensor file, as uploaded.
		route: "GET /api/uploads/:id",
		request: () => ({ path: `/api/uploads/${ids.sensorUpload}` }),
		expect: studentsOwn(200),
		proves: (answer) => expect(answer.json.samples.length).toBeGreaterThan(0)
	},
	{
		// Abandoning an upload in progress takes its recording with it (the session lists it no more, the quota forgets it).
		route: "DELETE /api/uploads/:id",
		request: () => ({ path: `/api/uploads/${ids.uploadToCancel}`, headers: TUS }),
		expect: studentsOwn(204),
		proves: async () => expect((await created(people.A, "GET", `/api/sessions/${ids.sessionOfCancelledUpload}`)).videos).toEqual([]),
		last: true
	},
	{
		// A finished upload is the recording's original: only deleting the recording removes it.
		route: "DELETE /api/uploads/:id",
		request: () => ({ path: `/api/uploads/${ids.videoUpload}`, headers: TUS }),
		expect: studentsOwn(409)
	},
	{
		route: "GET /api/videos/:id/hls/:file",
		request: (caller) => ({ path: caller === "A" || caller === "T" ? ids[`hlsUrlFor${caller}`] : withSignatureOf(ids.hlsUrlForA, theirs.hlsUrl) }),
		expect: { A: 200, T: 200, B: 403, U: 403, anonymous: 403 },
		proves: (answer) => expect(answer.text).toMatch(/^#EXTM3U/)
	},
	{
		// A's picture for the community: its state is A's alone (T is A's teacher, not its uploader).
		route: "GET /api/forum-media/:id",
		request: () => ({ path: `/api/forum-media/${ids.forumMedia}` }),
		expect: { A: 200, T: 404, B: 404, U: 404, anonymous: 401 },
		proves: (answer) => expect(answer.json).toMatchObject({ id: ids.forumMedia, state: "ready" })
	},
	{
		// Every member reading A's post gets a link of their own (A and T did); outsiders put another link's signature on A's picture.
		route: "GET /api/forum-media/:id/:file",
		request: (caller) => ({ path: caller === "A" || caller === "T" ? ids[`forumImageFor${caller}`] : withSignatureOf(ids.forumImageForA, theirs.hlsUrl) }),
		expect: { A: 200, T: 200, B: 403, U: 403, anonymous: 403 },
		proves: (answer) => expect(answer.headers.get("content-type")).toMatch(/^image\/jpeg/)
	},
	{
		route: "DELETE /api/forum-media/:id",
		request: () => ({ path: `/api/forum-media/${ids.forumMedia}` }),
		expect: { A: 204, T: 404, B: 404, U: 404, anonymous: 401 },
		last: true
	},
	{
		// The recording of the upload in progress; the media service answers 404 to anyone but its owner.
		route: "DELETE /api/videos/:id",
		request: () => ({ path: `/api/videos/${ids.videoInProgress}` }),
		expect: { A: 204, T: 404, B: 404, U: 404, anonymous: 401 },
		last: true
	},
	{
		// A's thumbnail; outsiders sign A's key with the signature of their own thumbnail's link.
		route: "GET /objects/*key",
		request: (caller) => ({ path: caller === "A" || caller === "T" ? ids[`thumbnailUrlFor${caller}`] : withSignatureOf(ids.thumbnailUrlForA, theirs.thumbnailUrl) }),
		expect: { A: 200, T: 200, B: 403, U: 403, anonymous: 403 },
		proves: (answer) => expect(answer.headers.get("content-type")).toMatch(/^image\/jpeg/)
	},
	{
		// A segment of A's playlist.
		route: "GET /objects/*key",
		request: (caller) => ({ path: caller === "A" || caller === "T" ? ids.segmentUrl : withSignatureOf(ids.segmentUrl, theirs.segmentUrl) }),
		expect: { A: 200, T: 200, B: 403, U: 403, anonymous: 403 }
	},
	{
		// No PUT link is ever handed out, and a GET link is no PUT link (its signature covers the method): refused to all.
		route: "PUT /objects/*key",
		request: (caller) => ({ path: caller === "A" || caller === "T" ? ids.thumbnailUrlForA : withSignatureOf(ids.thumbnailUrlForA, theirs.thumbnailUrl), raw: "not a picture" }),
		expect: { A: 403, T: 403, B: 403, U: 403, anonymous: 403 }
	},

	// Analysis.
	{ route: "GET /api/sessions/:id/metrics", request: () => ({ path: `/api/sessions/${ids.session}/metrics` }), expect: readableByAandT(200), proves: mentions(() => ids.video) },
	{
		route: "GET /api/analytics/dash",
		request: () => ({ path: `/api/analytics/dash?${dashboardRange()}&studentId=${people.A.id}` }),
		expect: readableByAandT(200),
		proves: (answer) => expect(answer.json.sessions).toBeGreaterThan(0)
	},

	// Teaching: T's feedback, goals and assignments about A.
	{ route: "POST /api/videos/:id/feedback", request: () => ({ path: `/api/videos/${ids.video}/feedback`, body: { tMs: 500, text: "Another pin" } }), expect: changedByTOnly(201) },
	{ route: "GET /api/videos/:id/feedback", request: () => ({ path: `/api/videos/${ids.video}/feedback` }), expect: readableByAandT(200), proves: mentions(() => ids.pin) },
	{ route: "POST /api/sessions/:id/feedback", request: () => ({ path: `/api/sessions/${ids.session}/feedback`, body: { text: "Another note" } }), expect: changedByTOnly(201) },
	{
		// B's own session: only B knows of it, and a student never writes a teacher's note on it.
		route: "POST /api/sessions/:id/feedback",
		request: () => ({ path: `/api/sessions/${theirs.session}/feedback`, body: { text: "Not my student" } }),
		expect: { A: 404, T: 404, B: 403, U: 404, anonymous: 401 }
	},
	{ route: "GET /api/sessions/:id/feedback", request: () => ({ path: `/api/sessions/${ids.session}/feedback` }), expect: readableByAandT(200), proves: mentions(() => ids.sessionNote) },
	{ route: "POST /api/feedback/:id/replies", request: () => ({ path: `/api/feedback/${ids.pin}/replies`, body: { text: "Another reply" } }), expect: readableByAandT(201) },
	{ route: "POST /api/feedback/:id/replies", request: () => ({ path: `/api/feedback/${ids.sessionNote}/replies`, body: { text: "A reply to the note" } }), expect: readableByAandT(201) },
	{ route: "GET /api/feedback/:id", request: () => ({ path: `/api/feedback/${ids.pin}` }), expect: readableByAandT(200) },
	{ route: "GET /api/feedback/:id", request: () => ({ path: `/api/feedback/${ids.reply}` }), expect: readableByAandT(200) },
	{ route: "PATCH /api/feedback/:id", request: () => ({ path: `/api/feedback/${ids.pin}`, body: { text: "Pin, corrected" } }), expect: changedByTOnly(200) },
	{ route: "PATCH /api/feedback/:id", request: () => ({ path: `/api/feedback/${ids.reply}`, body: { text: "Reply, corrected" } }), expect: changedByAOnly(200) },
	{ route: "DELETE /api/feedback/:id", request: () => ({ path: `/api/feedback/${ids.noteToDelete}` }), expect: changedByTOnly(204) },
	{ route: "DELETE /api/feedback/:id", request: () => ({ path: `/api/feedback/${ids.replyToDelete}` }), expect: changedByAOnly(204) },
	{ route: "PUT /api/goals", request: () => ({ path: "/api/goals", body: { studentId: people.A.id, minutesPerWeek: 150 } }), expect: teachersOfA(200) },
	{ route: "GET /api/goals", request: () => ({ path: `/api/goals?studentId=${people.A.id}` }), expect: readableByAandT(200), proves: mentions(() => ids.goal) },
	{
		// B's goals: neither A nor A's teacher may look.
		route: "GET /api/goals",
		request: () => ({ path: `/api/goals?studentId=${people.B.id}` }),
		expect: { A: 404, T: 404, B: 200, U: 404, anonymous: 401 }
	},
	{ route: "DELETE /api/goals/:id", request: () => ({ path: `/api/goals/${ids.goal}` }), expect: changedByTOnly(204), last: true },
	{
		route: "POST /api/assignments",
		request: () => ({ path: "/api/assignments", body: { studentId: people.A.id, title: "Another étude", dueDate: localDate("Europe/Vienna", -7) } }),
		expect: teachersOfA(201)
	},
	{ route: "GET /api/assignments", request: () => ({ path: `/api/assignments?studentId=${people.A.id}` }), expect: readableByAandT(200), proves: mentions(() => ids.assignment) },
	{ route: "GET /api/assignments/:id", request: () => ({ path: `/api/assignments/${ids.assignment}` }), expect: readableByAandT(200) },
	{ route: "PATCH /api/assignments/:id", request: () => ({ path: `/api/assignments/${ids.assignment}`, body: { title: "A's étude no. 3, slower" } }), expect: changedByTOnly(200) },
	{ route: "DELETE /api/assignments/:id", request: () => ({ path: `/api/assignments/${ids.assignmentToDelete}` }), expect: changedByTOnly(204) },
	{ route: "PUT /api/assignments/:id/done", request: () => ({ path: `/api/assignments/${ids.assignment}/done` }), expect: studentsOwn(200) },
	{ route: "DELETE /api/assignments/:id/done", request: () => ({ path: `/api/assignments/${ids.assignmentDone}/done` }), expect: studentsOwn(200) },
	{
		// B links its own session to A's assignment.
		route: "PUT /api/assignments/:id/sessions/:sessionId",
		request: (caller) => ({ path: `/api/assignments/${ids.assignment}/sessions/${caller === "A" ? ids.session : theirs.session}` }),
		expect: studentsOwn(200)
	},
	{
		// A links B's session to A's own assignment.
		route: "PUT /api/assignments/:id/sessions/:sessionId",
		request: () => ({ path: `/api/assignments/${ids.assignment}/sessions/${theirs.session}` }),
		expect: { A: 404, T: 403, B: 404, U: 403, anonymous: 401 }
	},
	{ route: "DELETE /api/assignments/:id/sessions/:sessionId", request: () => ({ path: `/api/assignments/${ids.assignmentDone}/sessions/${ids.sessionTagged}` }), expect: studentsOwn(200) },

	// Scheduling: T's lessons with A, and each person's own settings and calendar link.
	{
		route: "POST /api/schedule/classes",
		request: () => ({
			path: "/api/schedule/classes",
			body: { title: "Extra lesson", studentIds: [people.A.id], startLocal: "2031-06-02T10:00", timezone: "Europe/Vienna", durationMinutes: 30, allowOverlap: true }
		}),
		expect: teachersOfA(201)
	},
	{
		route: "GET /api/schedule/classes",
		request: () => ({ path: "/api/schedule/classes" }),
		expect: everyoneSignedIn(200),
		proves: mentions(() => ids.lesson)
	},
	{ route: "GET /api/schedule/classes/:id", request: () => ({ path: `/api/schedule/classes/${ids.lesson}` }), expect: readableByAandT(200) },
	{ route: "PATCH /api/schedule/classes/:id", request: () => ({ path: `/api/schedule/classes/${ids.lesson}`, body: { location: "Room 4" } }), expect: changedByTOnly(200) },
	{ route: "DELETE /api/schedule/classes/:id", request: () => ({ path: `/api/schedule/classes/${ids.lessonToDelete}` }), expect: changedByTOnly(204) },
	{
		route: "PUT /api/schedule/classes/:id/occurrences/:occurrenceStart",
		request: () => ({ path: occurrencePath(ids.lesson, OCCURRENCE_2), body: { status: "cancelled" } }),
		expect: changedByTOnly(200)
	},
	{ route: "DELETE /api/schedule/classes/:id/occurrences/:occurrenceStart", request: () => ({ path: occurrencePath(ids.lesson, OCCURRENCE_3) }), expect: changedByTOnly(200) },
	{
		route: "POST /api/schedule/classes/:id/occurrences/:occurrenceStart/split",
		request: () => ({ path: `${occurrencePath(ids.lessonToSplit, SPLIT_AT)}/split`, body: { title: "Later slot" } }),
		expect: changedByTOnly(201)
	},
	{ route: "PUT /api/schedule/classes/:id/reminders", request: () => ({ path: `/api/schedule/classes/${ids.lesson}/reminders`, body: { minutesBefore: [30] } }), expect: readableByAandT(200) },
	{
		route: "GET /api/schedule/occurrences",
		request: () => ({ path: `/api/schedule/occurrences?from=2031-03-01&to=2031-04-30&classId=${ids.lesson}` }),
		expect: everyoneSignedIn(200),
		proves: mentions(() => ids.lesson)
	},
	{ route: "GET /api/schedule/practice-reminder", request: () => ({ path: "/api/schedule/practice-reminder" }), expect: { A: 200, T: 403, B: 200, U: 403, anonymous: 401 } },
	{
		route: "PUT /api/schedule/practice-reminder",
		request: () => ({ path: "/api/schedule/practice-reminder", body: { enabled: true, localTime: "18:30" } }),
		expect: { A: 200, T: 403, B: 200, U: 403, anonymous: 401 }
	},
	{ route: "GET /api/schedule/feed-token", request: () => ({ path: "/api/schedule/feed-token" }), expect: everyoneSignedIn(200), proves: (answer) => expect(answer.json.active).toBe(true) },
	{ route: "POST /api/schedule/feed-token", request: () => ({ path: "/api/schedule/feed-token" }), expect: everyoneSignedIn(201), last: true },
	{ route: "DELETE /api/schedule/feed-token", request: () => ({ path: "/api/schedule/feed-token" }), expect: everyoneSignedIn(204), last: true },
	{
		// The link is the key: A and T use their own, outsiders a guess next to A's.
		route: "GET /api/schedule/feed/:file",
		request: (caller) => ({ path: `/api/schedule/feed/${caller === "A" || caller === "T" ? ids[`feedTokenOf${caller}`] : guessed(ids.feedTokenOfA)}.ics` }),
		expect: { A: 200, T: 200, B: 404, U: 404, anonymous: 404 },
		proves: (answer) => expect(answer.text).toContain(A_TEXTS.lesson)
	},

	{
		route: "GET /api/notifications",
		request: () => ({ path: "/api/notifications" }),
		expect: everyoneSignedIn(200),
		proves: (answer, caller) => (caller === "A" ? expect(json(answer)).toContain(ids.notification) : undefined)
	},
	{ route: "POST /api/notifications/:id/read", request: () => ({ path: `/api/notifications/${ids.notification}/read` }), expect: { A: 200, T: 404, B: 404, U: 404, anonymous: 401 } },
	{ route: "POST /api/notifications/read-all", request: () => ({ path: "/api/notifications/read-all" }), expect: everyoneSignedIn(200) },
	{ route: "GET /api/notifications/preferences", request: () => ({ path: "/api/notifications/preferences" }), expect: everyoneSignedIn(200) },
	{
		route: "PUT /api/notifications/preferences",
		request: () => ({ path: "/api/notifications/preferences", body: { switches: [{ category: "feedback", channel: "device", enabled: false }] } }),
		expect: everyoneSignedIn(200)
	},
	{ route: "GET /api/notifications/web-push-key", request: () => ({ path: "/api/notifications/web-push-key" }), expect: everyoneSignedIn(200) },
	{
		// Each caller its own browser: an endpoint is the browser's secret, and posting one moves it to the poster.
		route: "POST /api/notifications/web-push-subscriptions",
		request: (caller) => ({ path: "/api/notifications/web-push-subscriptions", body: webPushSubscriptionOf(caller) }),
		expect: everyoneSignedIn(200)
	},
	{
		route: "DELETE /api/notifications/web-push-subscriptions",
		request: () => ({ path: "/api/notifications/web-push-subscriptions", body: { endpoint: webPushSubscriptionOf("A").endpoint } }),
		expect: everyoneSignedIn(204),
		last: true
	},
	{
		route: "POST /api/notifications/devices",
		request: (caller) => ({ path: "/api/notifications/devices", body: { installationId: `sweep-installation-${caller}`, platform: "android", token: `fcm-token-of-${caller}-${"x".repeat(40)}` } }),
		expect: everyoneSignedIn(200)
	},
	{ route: "POST /api/me/export", request: () => ({ path: "/api/me/export" }), expect: { A: 202, T: 202, B: 202, U: 202, anonymous: 401 } },
	{
		route: "GET /api/me/export/:id",
		request: () => ({ path: `/api/me/export/${ids.exportJob}` }),
		expect: { A: 200, T: 404, B: 404, U: 404, anonymous: 401 },
		proves: (answer) => expect(answer.json.id).toBe(ids.exportJob)
	},

	// Last of all: A deletes its account (outsiders send A's password with their own token).
	{
		route: "DELETE /api/me",
		request: () => ({ path: "/api/me", body: { password: A_PASSWORD } }),
		expect: { A: 204, T: 401, B: 401, U: 401, anonymous: 401 },
		proves: async () => expect((await send("A", "GET", { path: "/api/me" })).status).toBe(401),
		last: true
	}
];

const browserKeys = createECDH("prime256v1");
browserKeys.generateKeys();
/** A browser's push subscription (a real P-256 key, as browsers send), one per caller. */
function webPushSubscriptionOf(caller: Caller): { endpoint: string; keys: { p256dh: string; auth: string } } {
	return {
		endpoint: `https://push.example.org/sweep/${caller}`,
		keys: { p256dh: browserKeys.getPublicKey("base64url"), auth: Buffer.alloc(16, caller.length).toString("base64url") }
	};
}

interface Attempt {
	routeCase: RouteCase;
	caller: Caller;
}

/** Everything of A's (and T's) an outsider must never be shown, less what the request itself carried. */
function leaksIn(answer: Answer, call: Call): string[] {
	const sent = `${call.path} ${JSON.stringify(call.body ?? "")} ${call.raw ?? ""}`;
	const shown = `${answer.text} ${answer.headers.get("location") ?? ""}`;
	const secrets = [...Object.values(ids), ...Object.values(A_TEXTS), people.A.id, people.A.email, people.T.id, people.T.email];
	return secrets.filter((secret) => !sent.includes(secret) && shown.includes(secret));
}

/** The codes each refusal may carry: an entity's own "not found", a missing or wrong credential, a role, a forged link. */
const REFUSAL_CODES: Record<number, RegExp> = {
	401: /^ERR_(UNAUTHORIZED|INVALID_CREDENTIALS|INVALID_REFRESH_TOKEN)$/,
	403: /^ERR_(FORBIDDEN|PLAYBACK_LINK_INVALID|MEDIA_LINK_INVALID|OBJECT_URL_SIGNATURE_INVALID)$/,
	404: /^ERR_\w+_NOT_FOUND$|^ERR_INVITE_INVALID$/,
	409: /^ERR_(EMAIL_TAKEN|ID_CONFLICT|UPLOAD_COMPLETE)$/
};

async function attempt({ routeCase, caller }: Attempt): Promise<void> {
	const method = routeCase.route.split(" ")[0]!;
	const call = await routeCase.request(caller);
	const answer = await send(caller, method, call);
	const label = `${caller} ${routeCase.route} (${method} ${call.path})`;
	const expected = routeCase.expect[caller];
	// Soft: one run reports every route that misbehaves, not just the first.
	expect.soft(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBe(expected);
	if (OUTSIDERS.includes(caller)) expect.soft(leaksIn(answer, call), `${label} shows A's data`).toEqual([]);
	// A HEAD answer has no body to carry a code.
	if (answer.status === expected && REFUSAL_CODES[expected] && (method) !== "HEAD") {
		expect.soft(String(answer.json?.code), `${label}: ${answer.text.slice(0, 300)}`).toMatch(REFUSAL_CODES[expected]);
	}
	if (answer.status === expected && expected < 300 && (caller === "A" || caller === "T")) await routeCase.proves?.(answer, caller);
}

const refusals = (): Attempt[] => cases.flatMap((routeCase) => CALLERS.filter((caller) => routeCase.expect[caller] >= 400).map((caller) => ({ routeCase, caller })));
const successes = (last: boolean): Attempt[] =>
	cases.flatMap((routeCase) => CALLERS.filter((caller) => routeCase.expect[caller] < 400 && Boolean(routeCase.last) === last).map((caller) => ({ routeCase, caller })));

async function register(role: "student" | "teacher", name: string, password = "correct horse battery"): Promise<Account> {
	const email = `${name.replace(/\W+/g, "-")}-${randomUUID()}@example.org`;
	const response = await http.request("POST", "/api/auth/register", { body: { email, password, role, name, timezone: "Europe/Vienna" } });
	if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
	return { id: response.body.user.id, email, token: response.body.token, refreshToken: response.body.refreshToken, role };
}

async function created(account: Account, method: string, path: string, body?: unknown): Promise<any> {
	const response = await http.request(method, path, { token: account.token, body });
	if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
	return response.body;
}

async function login(account: Account, password: string): Promise<string> {
	return (await created(account, "POST", "/api/auth/login", { email: account.email, password })).refreshToken;
}

/** A recording that plays, with the links its session view hands `viewer`, and the first segment link of its playlist. */
async function playbackLinks(viewer: Account, sessionId: string) {
	const video = (await created(viewer, "GET", `/api/sessions/${sessionId}`)).videos[0];
	const playlist = await (await fetch(`${api.baseUrl}${video.hlsUrl}`)).text();
	const segmentUrl = playlist.split("\n").find((line) => line.startsWith("http")) ?? /URI="([^"]+)"/.exec(playlist)?.[1];
	return { hlsUrl: video.hlsUrl as string, thumbnailUrl: video.thumbnailUrl as string, segmentUrl: segmentUrl!, uploadVideoId: video.id as string };
}

/** A session with an upload cut at half way; the upload's id and its video's id. */
async function halfUploaded(student: Account) {
	const session = await logSession(http, student, new Date(Date.now() - 7_200_000), 15);
	const clip = await testClip();
	const half = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" }, chunkSize: Math.ceil(clip.length / 4), stopAtFraction: 0.5 });
	const video = (await created(student, "GET", `/api/sessions/${session.id}`)).videos[0];
	return { sessionId: session.id, uploadId: half.uploadId, videoId: video.id as string };
}

/** What outsiders' requests must not change, read by A and T. */
async function snapshotOfA(): Promise<string> {
	const reads: Array<[Account, string]> = [
		[people.A, `/api/sessions/${ids.session}`],
		[people.A, `/api/sessions?studentId=${people.A.id}`],
		[people.A, "/api/tags"],
		[people.A, `/api/videos/${ids.video}/feedback`],
		[people.A, `/api/sessions/${ids.session}/feedback`],
		[people.A, "/api/goals"],
		[people.A, `/api/assignments?studentId=${people.A.id}`],
		[people.A, "/api/teachers"],
		[people.A, "/api/me"],
		[people.T, `/api/schedule/classes/${ids.lesson}`],
		[people.T, `/api/schedule/occurrences?from=2031-03-01&to=2031-04-30&classId=${ids.lesson}&includeCancelled=true`],
		[people.T, "/api/students"],
		[people.T, "/api/teachers/invites"]
	];
	const answers = await Promise.all(reads.map(async ([account, path]) => [path, (await created(account, "GET", path)) as unknown] as const));
	const offsets = await Promise.all([uploadOffset(ids.uploadInProgress), uploadOffset(ids.uploadToCancel)]);
	// Links are signed afresh on every read.
	return JSON.stringify({ answers, offsets }).replace(/expires=\d+&signature=[\w-]+/g, "signed");
}

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	[people.A, people.T, people.B, people.U, people.C] = await Promise.all([
		register("student", A_TEXTS.name, A_PASSWORD),
		register("teacher", "Teacher T of the sweep"),
		register("student", "Student B of the sweep"),
		register("teacher", "Teacher U of the sweep"),
		register("student", "Student C of the sweep")
	]);
	await Promise.all([http.link(people.T, people.A), http.link(people.T, people.C)]);

	const [takeOfA, takeOfB, inProgress, toCancel] = await Promise.all([
		analysedTake(http, api.baseUrl, people.A),
		analysedTake(http, api.baseUrl, people.B),
		halfUploaded(people.A),
		halfUploaded(people.A)
	]);
	Object.assign(ids, {
		session: takeOfA.sessionId,
		video: takeOfA.videoId,
		sessionUploading: inProgress.sessionId,
		uploadInProgress: inProgress.uploadId,
		videoUpload: takeOfA.uploadId,
		videoInProgress: inProgress.videoId,
		uploadToCancel: toCancel.uploadId,
		sessionOfCancelledUpload: toCancel.sessionId
	});
	theirs.session = takeOfB.sessionId;
	const [linksOfA, linksOfT, linksOfB] = await Promise.all([playbackLinks(people.A, ids.session), playbackLinks(people.T, ids.session), playbackLinks(people.B, theirs.session)]);
	Object.assign(ids, { hlsUrlForA: linksOfA.hlsUrl, hlsUrlForT: linksOfT.hlsUrl, thumbnailUrlForA: linksOfA.thumbnailUrl, thumbnailUrlForT: linksOfT.thumbnailUrl, segmentUrl: linksOfA.segmentUrl });
	Object.assign(theirs, { hlsUrl: linksOfB.hlsUrl, thumbnailUrl: linksOfB.thumbnailUrl, segmentUrl: linksOfB.segmentUrl });

	// A's picture in a post of A's, read by A and by T: each reader's own signed link.
	const pictureDir = await mkdtemp(path.join(os.tmpdir(), "etude-sweep-"));
	const picture = await readFile(await generateStillImage(path.join(pictureDir, "picture.png")));
	await rm(pictureDir, { recursive: true, force: true });
	ids.forumMedia = (await tusUpload(picture, { baseUrl: api.baseUrl, token: people.A.token, metadata: { kind: "forum-image" } })).uploadId.slice("forum-".length);
	await eventually(async () => (await send("A", "GET", { path: `/api/forum-media/${ids.forumMedia}` })).json?.state === "ready", "A's picture to be processed", 60_000);
	const forumPost = (await created(people.A, "POST", "/api/forum/posts", { title: "A's picture of a bow hold", body: `How is this?\n\n![bow hold](media:${ids.forumMedia})` })).id;
	const imageLinkFor = async (account: Account) => /<img src="([^"]+)"/.exec((await created(account, "GET", `/api/forum/posts/${forumPost}`)).html)![1]!.replace(/&amp;/g, "&");
	[ids.forumImageForA, ids.forumImageForT] = await Promise.all([imageLinkFor(people.A), imageLinkFor(people.T)]);

	const sensors = await logSession(http, people.A, new Date(Date.now() - 10_800_000), 5);
	const samples = Array.from({ length: 100 }, (_, i) => ({ t: i * 10, gyro: [0.01, 0, 0], accel: [0, 9.81, 0] }));
	const sensorUpload = await tusUpload(Buffer.from(JSON.stringify({ version: 1, startedAt: new Date(Date.now() - 10_800_000).toISOString(), samples })), {
		baseUrl: api.baseUrl,
		token: people.A.token,
		metadata: { sessionId: sensors.id, kind: "sensors" }
	});
	ids.sensorUpload = sensorUpload.uploadId;

	const [sessionToDelete, sessionTagged] = await Promise.all([1, 2].map(() => logSession(http, people.A, new Date(Date.now() - 14_400_000), 10)));
	ids.sessionToDelete = sessionToDelete!.id;
	ids.sessionTagged = sessionTagged!.id;
	const tag = (name: string) => created(people.A, "POST", "/api/tags", { name, color: "#123456" }).then((body) => body.id as string);
	[ids.tag, ids.tagToAttach, ids.tagToDetach, ids.tagToDelete] = await Promise.all([tag(A_TEXTS.tag), tag("A's tag to attach"), tag("A's tag to detach"), tag("A's tag to delete")]);
	ids.tagOfT = (await created(people.T, "POST", "/api/tags", { name: "Détaché of T", color: "#654321" })).id;
	await created(people.A, "PUT", `/api/sessions/${ids.sessionTagged}/tags/${ids.tagToDetach}`);
	await created(people.A, "PATCH", `/api/sessions/${ids.session}`, { note: A_TEXTS.note });

	ids.pin = (await created(people.T, "POST", `/api/videos/${ids.video}/feedback`, { tMs: 1000, text: A_TEXTS.pin })).id;
	ids.sessionNote = (await created(people.T, "POST", `/api/sessions/${ids.session}/feedback`, { text: A_TEXTS.sessionNote, rating: 4 })).id;
	ids.noteToDelete = (await created(people.T, "POST", `/api/sessions/${ids.session}/feedback`, { text: "T's note to delete" })).id;
	ids.reply = (await created(people.A, "POST", `/api/feedback/${ids.pin}/replies`, { text: A_TEXTS.reply })).id;
	ids.replyToDelete = (await created(people.A, "POST", `/api/feedback/${ids.pin}/replies`, { text: "A's reply to delete" })).id;
	ids.goal = (await created(people.T, "PUT", "/api/goals", { studentId: people.A.id, minutesPerWeek: 90 })).id;
	const assignment = (title: string) => created(people.T, "POST", "/api/assignments", { studentId: people.A.id, title, dueDate: localDate("Europe/Vienna", -3) }).then((body) => body.id as string);
	[ids.assignment, ids.assignmentDone, ids.assignmentToDelete] = await Promise.all([assignment(A_TEXTS.assignment), assignment("A's finished étude"), assignment("A's étude to drop")]);
	await created(people.A, "PUT", `/api/assignments/${ids.assignmentDone}/done`);
	await created(people.A, "PUT", `/api/assignments/${ids.assignmentDone}/sessions/${ids.sessionTagged}`);

	const lesson = (title: string, startLocal: string) =>
		created(people.T, "POST", "/api/schedule/classes", {
			title,
			studentIds: [people.A.id],
			startLocal,
			timezone: "Europe/Vienna",
			durationMinutes: 45,
			recurrence: { frequency: "weekly", interval: 1, count: 10 },
			allowOverlap: true
		}).then((body) => body.id as string);
	ids.lesson = await lesson(A_TEXTS.lesson, "2031-03-04T16:00");
	ids.lessonToDelete = await lesson("A's lesson to delete", "2031-03-05T16:00");
	ids.lessonToSplit = await lesson("A's lesson to split", "2031-03-06T16:00");
	await created(people.T, "PUT", occurrencePath(ids.lesson, OCCURRENCE_3), { status: "cancelled" });
	const feedToken = async (account: Account) => /feed\/([^/]+)\.ics$/.exec((await created(account, "POST", "/api/schedule/feed-token")).url)![1]!;
	[ids.feedTokenOfA, ids.feedTokenOfT] = await Promise.all([feedToken(people.A), feedToken(people.T)]);
	ids.inviteCode = (await created(people.T, "POST", "/api/teachers/invites")).code;
	[ids.refreshToken, ids.logoutToken] = await Promise.all([login(people.A, A_PASSWORD), login(people.A, A_PASSWORD)]);
	ids.exportJob = (await send("A", "POST", { path: "/api/me/export" })).json.id;
	// T's pin reached A's inbox (the notifications consumer runs beside the API).
	ids.notification = await eventually(async () => (await send("A", "GET", { path: "/api/notifications" })).json.items.find((item: { link: { feedbackId?: string } }) => item.link.feedbackId === ids.pin)?.id, "A's notice of T's pin");
}, 240_000);
afterAll(() => api?.stop());

describe("authorization of every route the gateway serves, with real entities of another user", () => {
	it("has a case for every route the gateway serves, and none for a route it does not", () => {
		// The community's routes have their own sweep with real posts, answers, votes and flags of
		// other members (community-authorization.spec.ts), which probes every one of them the API documents.
		const served = servedRoutes(api)
			.map((route) => `${route.method} ${route.path}`)
			.filter((route) => !route.includes(" /api/forum/"));
		const covered = new Set(cases.map((routeCase) => routeCase.route));
		expect(served.filter((route) => !covered.has(route)), "routes without a case").toEqual([]);
		expect([...covered].filter((route) => !served.includes(route)), "cases for no route").toEqual([]);
		expect(served.length).toBeGreaterThanOrEqual(75);
	});

	it("refuses B, U, T and nobody wherever they have no right, shows them nothing of A, and changes nothing", async () => {
		const before = await snapshotOfA();
		await inParallel(refusals(), 6, attempt);
		expect(await snapshotOfA()).toBe(before);
	}, 120_000);

	it("serves A and its teacher on every route they may use, so the ids were real", async () => {
		await inParallel(successes(false), 6, attempt);
		for (const success of successes(true)) await attempt(success);
	}, 120_000);

	it("refuses a teacher's playback link as soon as the teacher is no longer linked", async () => {
		const invite = await created(people.U, "POST", "/api/teachers/invites");
		await created(people.B, "POST", "/api/students/link", { code: invite.code });
		const { hlsUrl } = await playbackLinks(people.U, theirs.session);
		expect((await fetch(`${api.baseUrl}${hlsUrl}`)).status).toBe(200);
		await created(people.U, "DELETE", `/api/students/${people.B.id}`);
		const refused = await fetch(`${api.baseUrl}${hlsUrl}`);
		expect(refused.status).toBe(404);
		expect(((await refused.json()) as { code: string }).code).toBe("ERR_VIDEO_NOT_FOUND");
	});
});
