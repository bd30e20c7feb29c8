import { createHash, randomUUID } from "node:crypto";
import { readFile, readdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateClip, generateStillImage, writeTextFile, writeTruncatedCopy } from "../support/media-fixtures";
import { httpClient, practiceSession, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { refusal, tusUpload } from "../support/tus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * From the phone to a playable recording, through the real tus endpoint, real ffmpeg and the
 * embedded default's local object storage.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let workDir: string;
let clip: Buffer;

beforeAll(async () => {
	workDir = await mkdtemp(path.join(os.tmpdir(), "etude-media-it-"));
	api = await startTestApi(testDatabaseUrl(), { UPLOAD_MAX_BYTES: String(20 * 1024 * 1024), UPLOAD_QUOTA_BYTES: String(40 * 1024 * 1024) });
	http = httpClient(api.baseUrl);
	clip = await readFile(await generateClip(path.join(workDir, "clip.mp4"), { durationSeconds: 3, width: 320, height: 240 }));
}, 120_000);
afterAll(async () => {
	await api.stop();
	await rm(workDir, { recursive: true, force: true });
});

const objectsDir = () => path.join(api.node.config.dataDir, "objects");

async function sessionOf(student: Account) {
	const created = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
	expect(created.status).toBe(201);
	return created.body;
}

async function videoWhenSettled(student: Account, sessionId: string, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const session = await http.request("GET", `/api/sessions/${sessionId}`, { token: student.token });
		const video = session.body.videos?.[0];
		if (video && (video.state === "ready" || video.state === "failed")) return video;
		if (Date.now() > deadline) throw new Error(`video still ${video?.state ?? "absent"} after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

async function storedObjects(): Promise<string[]> {
	const entries = await readdir(objectsDir(), { recursive: true, withFileTypes: true });
	return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(objectsDir(), path.join(entry.parentPath, entry.name)));
}

describe("uploading a recording", () => {
	it("tells the app where and how to upload when a session is logged", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		expect(session.uploads).toEqual({ endpoint: "/api/uploads", metadata: { sessionId: session.id, kinds: ["video", "sensors"] } });
		expect(session.videos).toEqual([]);
	});

	it("turns an upload into a playable HLS video with a thumbnail that only the owner's links open", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video", filetype: "video/mp4" } });
		const video = await videoWhenSettled(student, session.id);
		expect(video).toMatchObject({ state: "ready", progress: 100, failureCode: null });
		expect(video.durationS).toBeCloseTo(3, 0);

		const playlist = await fetch(`${api.baseUrl}${video.hlsUrl}`);
		expect(playlist.status).toBe(200);
		expect(playlist.headers.get("content-type")).toMatch(/mpegurl/);
		const text = await playlist.text();
		const segmentUrl = text.split("\n").find((line) => line.startsWith("http"))!;
		expect((await fetch(segmentUrl)).status).toBe(200);
		expect((await fetch(video.thumbnailUrl)).headers.get("content-type")).toMatch(/image\/jpeg/);

		const forged = video.hlsUrl.replace(/signature=[^&]+/, "signature=AAAA");
		expect((await fetch(`${api.baseUrl}${forged}`)).status).toBe(403);
		const unsigned = new URL(segmentUrl);
		unsigned.search = "";
		expect((await fetch(unsigned)).status).toBe(403);
		const guessed = `${api.baseUrl}/objects/recordings/${randomUUID()}/thumbnail.jpg`;
		expect((await fetch(guessed)).status).toBe(403);
	});

	it("resumes an upload cut at half way from the server's offset, byte for byte", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		const metadata = { sessionId: session.id, kind: "video" };
		const chunkSize = Math.ceil(clip.length / 8);
		const first = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata, chunkSize, stopAtFraction: 0.5 });
		expect(first.stopped).toBe(true);
		const offset = await fetch(first.url, { method: "HEAD", headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${student.token}` } });
		const storedBytes = Number(offset.headers.get("upload-offset"));
		expect(storedBytes).toBeGreaterThanOrEqual(clip.length * 0.5);
		expect(storedBytes).toBeLessThan(clip.length);

		const resumed = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata, chunkSize, uploadUrl: first.url });
		expect(resumed.uploadId).toBe(first.uploadId);
		const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
		expect(sha256(await readFile(path.join(objectsDir(), first.uploadId)))).toBe(sha256(clip));
		expect((await videoWhenSettled(student, session.id)).state).toBe("ready");
	});

	it("lets a new upload of a session's recording replace the unfinished one an app lost track of, when it says so", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		const chunkSize = Math.ceil(clip.length / 4);
		const lost = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" }, chunkSize, stopAtFraction: 0.25 });
		expect(lost.stopped).toBe(true);

		const again = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video", replaces: "unfinished" }, chunkSize });
		expect(again.uploadId).not.toBe(lost.uploadId);
		const { body } = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(body.videos).toHaveLength(1);
		expect((await videoWhenSettled(student, session.id)).state).toBe("ready");
		const head = await fetch(lost.url, { method: "HEAD", headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${student.token}` } });
		expect(head.status).toBe(404);
	});

	it("keeps two takes of one session uploading side by side when neither replaces the other", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		const metadata = { sessionId: session.id, kind: "video" };
		const chunkSize = Math.ceil(clip.length / 4);
		const first = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata, chunkSize, stopAtFraction: 0.25 });
		const second = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata, chunkSize, stopAtFraction: 0.25 });
		const { body } = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		expect(body.videos).toHaveLength(2);
		const refused = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { ...metadata, replaces: "everything" }, chunkSize }).then(
			() => ({ status: 201, body: {} as any }),
			(error) => refusal(error)
		);
		expect(refused).toMatchObject({ status: 422, body: { code: "ERR_VALIDATION", fields: [{ field: "replaces" }] } });
		for (const upload of [first, second]) {
			const head = await fetch(upload.url, { method: "HEAD", headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${student.token}` } });
			expect(head.status).toBe(200);
		}
	});

	it("rejects what is not a recording, says why, and keeps none of its bytes", async () => {
		const student = await http.register("student");
		const cases: Array<[string, Buffer, string]> = [
			["a text file renamed .mp4", await readFile(await writeTextFile(path.join(workDir, "notes.mp4"))), "ERR_NOT_DECODABLE"],
			["a picture", await readFile(await generateStillImage(path.join(workDir, "still.png"))), "ERR_NO_VIDEO_STREAM"],
			["a cut-off MP4", await readFile(await writeTruncatedCopy(path.join(workDir, "clip.mp4"), path.join(workDir, "cut.mp4"), 0.5)), "ERR_NOT_DECODABLE"],
			["an empty file", Buffer.alloc(0), "ERR_NOT_DECODABLE"],
			[
				"a video without sound",
				await readFile(await generateClip(path.join(workDir, "silent.mp4"), { durationSeconds: 2, width: 160, height: 120, withAudio: false })),
				"ERR_NO_AUDIO_TRACK"
			]
		];
		for (const [label, bytes, code] of cases) {
			const session = await sessionOf(student);
			const upload = await tusUpload(bytes, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" } });
			const video = await videoWhenSettled(student, session.id);
			expect(video.state, label).toBe("failed");
			expect(video.failureCode, label).toBe(code);
			expect(video.failureReason, label).toMatch(/\w/);
			expect((await storedObjects()).filter((key) => key.startsWith(upload.uploadId)), label).toEqual([]);
		}
	});

	it("handles uploads from several students at once", async () => {
		const students = await Promise.all([1, 2, 3].map(() => http.register("student")));
		const sessions = await Promise.all(students.map((student) => sessionOf(student)));
		await Promise.all(
			students.map((student, i) =>
				tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: sessions[i].id, kind: "video" }, chunkSize: 64 * 1024 })
			)
		);
		const videos = await Promise.all(students.map((student, i) => videoWhenSettled(student, sessions[i].id, 120_000)));
		expect(videos.map((video) => video.state)).toEqual(["ready", "ready", "ready"]);
	}, 180_000);
});

describe("who may upload what", () => {
	it("answers bad upload requests with a 4xx and a code", async () => {
		const student = await http.register("student");
		const intruder = await http.register("student");
		const session = await sessionOf(student);
		const attempt = (token: string | undefined, metadata: Record<string, string>, body = clip) =>
			tusUpload(body, { baseUrl: api.baseUrl, token, metadata }).then(
				() => ({ status: 201, body: {} as any }),
				(error) => refusal(error)
			);

		expect(await attempt(undefined, { sessionId: session.id, kind: "video" })).toMatchObject({ status: 401, body: { code: "ERR_UNAUTHORIZED" } });
		expect(await attempt(intruder.token, { sessionId: session.id, kind: "video" })).toMatchObject({ status: 404, body: { code: "ERR_SESSION_NOT_FOUND" } });
		expect(await attempt(student.token, { kind: "video" })).toMatchObject({ status: 422, body: { code: "ERR_VALIDATION" } });
		expect(await attempt(student.token, { sessionId: session.id, kind: "audio" })).toMatchObject({ status: 422 });
		expect(await attempt(student.token, { sessionId: session.id, kind: "video" }, Buffer.alloc(21 * 1024 * 1024))).toMatchObject({ status: 413 });
	});

	it("lets nobody else continue or inspect someone's upload", async () => {
		const student = await http.register("student");
		const intruder = await http.register("student");
		const session = await sessionOf(student);
		const half = await tusUpload(clip, {
			baseUrl: api.baseUrl,
			token: student.token,
			metadata: { sessionId: session.id, kind: "video" },
			chunkSize: Math.ceil(clip.length / 4),
			stopAtFraction: 0.5
		});
		const head = await fetch(half.url, { method: "HEAD", headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${intruder.token}` } });
		expect(head.status).toBe(404);
		const patch = await fetch(half.url, {
			method: "PATCH",
			headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${intruder.token}`, "upload-offset": "0", "content-type": "application/offset+octet-stream" },
			body: Buffer.from("evil")
		});
		expect(patch.status).toBe(404);
	});

	it("refuses uploads past the student's storage quota", async () => {
		const student = await http.register("student");
		const big = Buffer.alloc(15 * 1024 * 1024, 1);
		for (let i = 0; i < 2; i++) {
			const session = await sessionOf(student);
			await tusUpload(big, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" }, chunkSize: 4 * 1024 * 1024 });
		}
		const session = await sessionOf(student);
		const refused = await tusUpload(big, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" } }).catch(refusal);
		expect(refused).toMatchObject({ status: 413, body: { code: "ERR_QUOTA_EXCEEDED" } });
	});
});

describe("deleting", () => {
	it("removes every object of a deleted session's recording once purged", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		const upload = await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" } });
		const video = await videoWhenSettled(student, session.id);
		expect((await storedObjects()).some((key) => key.startsWith(`recordings/${video.id}/`))).toBe(true);

		expect((await http.request("DELETE", `/api/sessions/${session.id}`, { token: student.token })).status).toBe(204);
		// The media service hears of the deletion by event; purge (as the timer would) until it has.
		const objectsOfVideo = async () => (await storedObjects()).filter((key) => key.includes(video.id) || key.includes(upload.uploadId));
		const deadline = Date.now() + 15_000;
		while ((await objectsOfVideo()).length > 0 && Date.now() < deadline) {
			await api.node.broker.call("media.purgeDeleted");
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		expect(await objectsOfVideo()).toEqual([]);
		expect((await fetch(`${api.baseUrl}${video.hlsUrl}`)).status).toBe(404);
	});
});

describe("from upload to metrics", () => {
	it("analyses a recording with its sensor file while the video is converted, bow stability included", async () => {
		const student = await http.register("student");
		const session = await sessionOf(student);
		const samples = Array.from({ length: 3 * 100 }, (_, i) => ({
			t: i * 10,
			gyro: [0.02 * Math.sin(i / 3), 0.01 * Math.cos(i / 5), 0.005],
			accel: [0, 9.81, 0]
		}));
		const sensorFile = Buffer.from(JSON.stringify({ version: 1, startedAt: session.startedAt, samples }));
		await tusUpload(sensorFile, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "sensors" } });
		await tusUpload(clip, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video" } });

		const deadline = Date.now() + 60_000;
		let read = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		while (!read.body.metrics && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			read = await http.request("GET", `/api/sessions/${session.id}`, { token: student.token });
		}
		expect(read.body.metrics.analyserVersion).toMatch(/^\d+\.\d+\.\d+$/);
		expect(read.body.metrics.metrics.bowStabilityRmsRadPerS).toBeGreaterThan(0);
		// The test clip's sound is a steady 440 Hz tone: in tune against A4 = 440.
		expect(Math.abs(read.body.metrics.metrics.intonationMeanDeviationCents)).toBeLessThan(5);
	});
});
