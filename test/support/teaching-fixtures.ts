import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Temporal } from "temporal-polyfill";
import { httpClient, practiceSession, type Account } from "./http-client";
import { generateClip } from "./media-fixtures";
import { tusUpload } from "./tus";

type Http = ReturnType<typeof httpClient>;

/** A registered account living in `timezone`. */
export async function personIn(http: Http, role: "student" | "teacher", name: string, timezone: string): Promise<Account> {
	const account = await http.register(role, name);
	const changed = await http.request("PATCH", "/api/me", { token: account.token, body: { timezone } });
	if (changed.status !== 200) throw new Error(`timezone change failed: ${changed.status} ${JSON.stringify(changed.body)}`);
	return account;
}

/** The instant of a wall-clock time `daysAgo` days before today in `timezone` (today by the zone's calendar). */
export function localInstant(timezone: string, daysAgo: number, time: string): Date {
	const today = Temporal.Now.zonedDateTimeISO(timezone).toPlainDate();
	const zoned = today.subtract({ days: daysAgo }).toZonedDateTime({ timeZone: timezone, plainTime: time });
	return new Date(zoned.epochMilliseconds);
}

/** The calendar date `daysAgo` days before today in `timezone`. */
export function localDate(timezone: string, daysAgo = 0): string {
	return Temporal.Now.zonedDateTimeISO(timezone).toPlainDate().subtract({ days: daysAgo }).toString();
}

export async function logSession(http: Http, student: Account, startedAt: Date, minutes: number, overrides: Record<string, unknown> = {}) {
	const endedAt = new Date(startedAt.getTime() + minutes * 60_000);
	const response = await http.request("POST", "/api/sessions", {
		token: student.token,
		body: practiceSession({ startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), ...overrides })
	});
	if (response.status !== 201) throw new Error(`session failed: ${response.status} ${JSON.stringify(response.body)}`);
	return response.body as { id: string; studentId: string };
}

/** Polls `read` until `done` holds for its result, without fixed sleeps beyond the polling step. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms: ${JSON.stringify(value).slice(0, 500)}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

let clipPromise: Promise<Buffer> | undefined;

/** A 4 s clip (testsrc2 pictures, a steady 440 Hz tone), made once per test process. */
export function testClip(): Promise<Buffer> {
	clipPromise ??= (async () => {
		const workDir = await mkdtemp(path.join(os.tmpdir(), "etude-teaching-clip-"));
		try {
			return await readFile(await generateClip(path.join(workDir, "clip.mp4"), { durationSeconds: 4, width: 320, height: 240 }));
		} finally {
			await rm(workDir, { recursive: true, force: true });
		}
	})();
	return clipPromise;
}

/** A session with an uploaded recording, once it plays and its analysis is done. */
export async function analysedTake(http: Http, baseUrl: string, student: Account, startedAt = new Date(Date.now() - 3_600_000)) {
	const session = await logSession(http, student, startedAt, 20);
	const upload = await tusUpload(await testClip(), { baseUrl, token: student.token, metadata: { sessionId: session.id, kind: "video", filetype: "video/mp4" } });
	const video = await until(
		async () => (await http.request("GET", `/api/sessions/${session.id}`, { token: student.token })).body.videos?.[0],
		(found) => found?.state === "ready" || found?.state === "failed"
	);
	if (video.state !== "ready") throw new Error(`recording failed: ${video.failureCode}`);
	await until(
		() => http.request("GET", `/api/sessions/${session.id}/metrics`, { token: student.token }),
		(response) => response.status === 200
	);
	return { sessionId: session.id, videoId: video.id as string, uploadId: upload.uploadId, durationS: video.durationS as number };
}
