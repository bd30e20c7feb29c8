import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBuffer, type Entry, type ZipFile } from "yauzl";
import { httpClient, type Account } from "../support/http-client";
import { analysedTake, testClip, until } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";
import { tusUpload } from "../support/tus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * GDPR art. 15/20: a person asks for everything held about them and downloads one zip through a
 * signed link. The archive is unzipped here and compared with what the database holds.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let database: pg.Client;
let student: Account;
let teacher: Account;
let take: Awaited<ReturnType<typeof analysedTake>>;
const sensorFile = Buffer.from(JSON.stringify({ version: 1, startedAt: new Date().toISOString(), samples: [{ t: 0, gyro: [0, 0, 0] }, { t: 10, gyro: [0.2, 0, 0] }] }));

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	database = new pg.Client({ connectionString: testDatabaseUrl() });
	await database.connect();
	[student, teacher] = await Promise.all([http.register("student", "Exporting"), http.register("teacher", "Their teacher")]);
	await http.link(teacher, student);
	take = await analysedTake(http, api.baseUrl, student);
	await tusUpload(sensorFile, { baseUrl: api.baseUrl, token: student.token, metadata: { sessionId: take.sessionId, kind: "sensors" } });
	await until(
		async () => (await database.query("SELECT state FROM sensor_files WHERE session_id = $1", [take.sessionId])).rows[0]?.state,
		(state) => state === "ready"
	);
	const tag = await http.request("POST", "/api/tags", { token: student.token, body: { name: "Bach", color: "#aa0000" } });
	await http.request("PUT", `/api/sessions/${take.sessionId}/tags/${tag.body.id}`, { token: student.token });
	expect((await http.request("POST", `/api/sessions/${take.sessionId}/feedback`, { token: teacher.token, body: { text: "Lovely tone", rating: 5 } })).status).toBe(201);
}, 180_000);
afterAll(async () => {
	await database?.end();
	await api?.stop();
});

async function unzip(archive: Buffer): Promise<Map<string, Buffer>> {
	const zip = await new Promise<ZipFile>((resolve, reject) => fromBuffer(archive, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))));
	const entries = new Map<string, Buffer>();
	await new Promise<void>((resolve, reject) => {
		zip.on("error", reject);
		zip.on("end", resolve);
		zip.on("entry", (entry: Entry) => {
			zip.openReadStream(entry, (error, stream) => {
				if (error) return reject(error);
				const chunks: Buffer[] = [];
				stream.on("data", (chunk: Buffer) => chunks.push(chunk));
				stream.on("end", () => {
					entries.set(entry.fileName, Buffer.concat(chunks));
					zip.readEntry();
				});
			});
		});
		zip.readEntry();
	});
	return entries;
}

function rowsIn(entries: Map<string, Buffer>, name: string): Array<Record<string, any>> {
	const entry = entries.get(name);
	expect(entry, name).toBeDefined();
	return JSON.parse(entry!.toString("utf8"));
}

describe("exporting my data", () => {
	it("builds one zip with every row about me as JSON and my original recording and sensor file, behind a signed link", async () => {
		const started = await http.request("POST", "/api/me/export", { token: student.token });
		expect(started.status).toBe(202);
		expect(started.headers.get("location")).toBe(`/api/me/export/${started.body.id}`);
		expect(started.body.downloadUrl).toBeNull();
		const ready = await until(
			async () => (await http.request("GET", `/api/me/export/${started.body.id}`, { token: student.token })).body,
			(job) => job.status !== "pending"
		);
		expect(ready.status).toBe("ready");
		// Someone else's export is not found, whoever asks.
		for (const outsider of [teacher]) expect((await http.request("GET", `/api/me/export/${started.body.id}`, { token: outsider.token })).status).toBe(404);
		expect((await http.request("GET", `/api/me/export/${started.body.id}`)).status).toBe(401);

		const download = await fetch(ready.downloadUrl);
		expect(download.status).toBe(200);
		const archive = Buffer.from(await download.arrayBuffer());
		expect(archive.length).toBe(ready.sizeBytes);
		const entries = await unzip(archive);

		const manifest = JSON.parse(entries.get("manifest.json")!.toString("utf8"));
		expect(manifest.userId).toBe(student.id);
		for (const name of [...manifest.data, ...manifest.files]) expect(entries.has(name), name).toBe(true);

		const [user] = rowsIn(entries, "data/auth/users.json");
		expect(user).toMatchObject({ id: student.id, email: student.email.toLowerCase(), name: "Exporting" });
		expect(JSON.stringify(user)).not.toMatch(/passwordHash|argon2/);
		expect(rowsIn(entries, "data/auth/teacher_students.json")).toEqual([expect.objectContaining({ teacher_id: teacher.id, student_id: student.id })]);

		const { rows: sessions } = await database.query("SELECT id, note FROM practice_sessions WHERE student_id = $1 ORDER BY start_ts", [student.id]);
		expect(rowsIn(entries, "data/sessions/practice_sessions.json").map((row) => ({ id: row.id, note: row.note }))).toEqual(sessions);
		expect(rowsIn(entries, "data/sessions/session_tags.json")).toHaveLength(1);
		expect(rowsIn(entries, "data/tags/tags.json").map((row) => row.name)).toEqual(["Bach"]);

		const { rows: videos } = await database.query("SELECT id, upload_id FROM videos WHERE owner_id = $1", [student.id]);
		expect(rowsIn(entries, "data/media/videos.json").map((row) => row.id)).toEqual(videos.map((row) => row.id));
		const { rows: sensorRows } = await database.query("SELECT id FROM sensor_files WHERE owner_id = $1", [student.id]);
		expect(rowsIn(entries, "data/media/sensor_files.json").map((row) => row.id)).toEqual(sensorRows.map((row) => row.id));

		for (const table of ["metrics", "metric_analyses", "metric_rollups_hourly"]) {
			const { rows } = await database.query(`SELECT count(*)::int AS count FROM ${table} WHERE student_id = $1`, [student.id]);
			expect(rowsIn(entries, `data/analytics/${table}.json`), table).toHaveLength(rows[0].count);
		}
		expect(rowsIn(entries, "data/analytics/metrics.json").length).toBeGreaterThan(100);
		expect(rowsIn(entries, "data/feedback/feedback.json").map((row) => row.bodyMd)).toEqual(["Lovely tone"]);

		// The original recording, byte for byte, and the sensor file.
		expect(entries.get(`files/recordings/${take.videoId}.mp4`)?.equals(await testClip())).toBe(true);
		expect(entries.get(`files/sensors/${sensorRows[0].id}.json`)?.equals(sensorFile)).toBe(true);
	});

	it("hands out the archive only through the signed link, which a changed address does not open", async () => {
		const started = await http.request("POST", "/api/me/export", { token: student.token });
		const ready = await until(
			async () => (await http.request("GET", `/api/me/export/${started.body.id}`, { token: student.token })).body,
			(job) => job.status === "ready"
		);
		const link = new URL(ready.downloadUrl);
		expect(Number(link.searchParams.get("expires") ?? link.searchParams.get("X-Amz-Expires") ?? "0")).toBeGreaterThan(0);
		const forged = new URL(link);
		for (const [name, value] of link.searchParams) if (/signature/i.test(name)) forged.searchParams.set(name, value.replace(/.$/, (last) => (last === "a" ? "b" : "a")));
		expect((await fetch(forged)).status).toBe(403);
	});
});
