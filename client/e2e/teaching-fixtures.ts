import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Upload } from "tus-js-client";
import type { Student } from "./app-driver";

const execFileAsync = promisify(execFile);
const POLL_MS = 250;

export interface Account extends Student {
	id: string;
	token: string;
}

/** One JSON call to the API; throws with the server's answer on anything but the expected status. */
export async function callApi<T>(
	baseUrl: string,
	method: string,
	path: string,
	options: { token?: string; body?: unknown } = {}
): Promise<T> {
	const response = await fetch(`${baseUrl}/api${path}`, {
		method,
		headers: {
			...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
			...(options.token ? { Authorization: `Bearer ${options.token}` } : {})
		},
		body: options.body === undefined ? undefined : JSON.stringify(options.body)
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

/** Registers beside the browser, faster than the form: the form is tested elsewhere. */
export async function registerAccount(baseUrl: string, person: Student & { timezone: string }): Promise<Account> {
	const { token, user } = await callApi<{ token: string; user: { id: string } }>(baseUrl, "POST", "/auth/register", {
		body: {
			email: person.email,
			password: person.password,
			name: person.name,
			role: person.role === "Teacher" ? "teacher" : "student",
			timezone: person.timezone
		}
	});
	return { ...person, id: user.id, token };
}

export async function linkAccounts(baseUrl: string, teacher: Account, student: Account): Promise<void> {
	const { code } = await callApi<{ code: string }>(baseUrl, "POST", "/teachers/invites", { token: teacher.token });
	await callApi(baseUrl, "POST", "/students/link", { token: student.token, body: { code } });
}

/** A clip from ffmpeg's test sources: moving pictures and a steady 440 Hz tone, so the analysis has pitch to find. */
async function testClip(durationSeconds: number): Promise<Buffer> {
	const workDir = await mkdtemp(join(tmpdir(), "etude-e2e-clip-"));
	try {
		const path = join(workDir, "clip.mp4");
		await execFileAsync(process.env.FFMPEG_PATH ?? "ffmpeg", [
			"-hide_banner",
			"-v",
			"error",
			"-y",
			"-f",
			"lavfi",
			"-i",
			`testsrc2=size=320x240:rate=30:duration=${durationSeconds}`,
			"-f",
			"lavfi",
			"-i",
			`sine=frequency=440:sample_rate=48000:duration=${durationSeconds}`,
			"-c:v",
			"libx264",
			"-preset",
			"ultrafast",
			"-pix_fmt",
			"yuv420p",
			"-c:a",
			"aac",
			path
		]);
		return await readFile(path);
	} finally {
		await rm(workDir, { recursive: true, force: true });
	}
}

function upload(baseUrl: string, token: string, body: Buffer, metadata: Record<string, string>): Promise<void> {
	return new Promise((resolve, reject) => {
		new Upload(body, {
			endpoint: `${baseUrl}/api/uploads`,
			headers: { authorization: `Bearer ${token}` },
			metadata,
			retryDelays: [],
			onSuccess: () => resolve(),
			onError: reject
		}).start();
	});
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline)
			throw new Error(`not ready after ${timeoutMs} ms: ${JSON.stringify(value).slice(0, 300)}`);
		await new Promise((wait) => setTimeout(wait, POLL_MS));
	}
}

/**
 * A session of the student with an uploaded recording: uploaded from here rather than recorded in the browser
 * (recording.e2e.ts covers that), so the review test spends its time on review. Returns once the upload is done;
 * `analysed` settles once the recording plays and its analysis is in, so a test can work meanwhile.
 */
export async function uploadedRecording(baseUrl: string, student: Account, durationSeconds = 5) {
	const startedAt = new Date(Date.now() - 30 * 60_000);
	const session = await callApi<{ id: string }>(baseUrl, "POST", "/sessions", {
		token: student.token,
		body: {
			id: crypto.randomUUID(),
			focus: "repertoire",
			startedAt: startedAt.toISOString(),
			endedAt: new Date(startedAt.getTime() + 20 * 60_000).toISOString(),
			note: "Bach allemande, first page"
		}
	});
	await upload(baseUrl, student.token, await testClip(durationSeconds), {
		sessionId: session.id,
		kind: "video",
		filetype: "video/mp4"
	});
	const analysed = analysedVideoOf(baseUrl, student, session.id);
	// Awaited later by the test, which then sees the failure; until then it is not an unhandled rejection.
	analysed.catch(() => undefined);
	return { sessionId: session.id, analysed };
}

async function analysedVideoOf(baseUrl: string, student: Account, sessionId: string): Promise<{ videoId: string }> {
	const ready = await until(
		() =>
			callApi<{ videos: Array<{ id: string; state: string }> }>(baseUrl, "GET", `/sessions/${sessionId}`, {
				token: student.token
			}),
		(found) => ["ready", "failed"].includes(found.videos[0]?.state ?? ""),
		60_000
	);
	if (ready.videos[0]!.state !== "ready") throw new Error("the recording could not be processed");
	await until(
		() =>
			fetch(`${baseUrl}/api/sessions/${sessionId}/metrics`, {
				headers: { Authorization: `Bearer ${student.token}` }
			}).then((response) => response.status),
		(status) => status === 200,
		60_000
	);
	return { videoId: ready.videos[0]!.id };
}
