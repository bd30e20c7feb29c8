import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Parser } from "htmlparser2";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStorage, type ObjectStorage } from "../../lib/storage";
import { objectStorageConfig } from "../../mixins/storage.mixin";
import { probeMedia } from "../../services/media/ffmpeg";
import { ask, member, OWNER } from "../support/community-fixtures";
import { eventually } from "../support/eventually";
import { httpClient, type Account } from "../support/http-client";
import { EXIF_MARKER, generateClip, generateJpegWithGps, jpegHasApp1, writeTextFile } from "../support/media-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";
import { refusal, tusUpload } from "../support/tus";
import { executableParts } from "../support/xss-corpus";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Pictures and clips in community posts, end to end: uploaded through the real tus endpoint like a
 * recording, re-encoded by real ffmpeg into the embedded default's local object storage, embedded
 * by `![caption](media:<id>)`, served on our own route to links signed for their reader, deleted
 * and purged with the account.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let databaseUrl: string;
let storage: ObjectStorage;
let workDir: string;
let author: Account;
let reader: Account;
const files = {} as Record<"photo" | "clip" | "text", Buffer>;

beforeAll(async () => {
	databaseUrl = testDatabaseUrl();
	workDir = await mkdtemp(path.join(os.tmpdir(), "etude-forum-media-it-"));
	api = await startTestApi(databaseUrl);
	http = httpClient(api.baseUrl);
	storage = createObjectStorage(objectStorageConfig(api.node.config));
	author = await member(http, databaseUrl, "Author with pictures", 300);
	reader = await member(http, databaseUrl, "Reader of pictures", 300);
	files.photo = await readFile(await generateJpegWithGps(path.join(workDir, "phone.jpg"), 2400, 1200));
	files.clip = await readFile(await generateClip(path.join(workDir, "clip.mp4"), { durationSeconds: 3, width: 640, height: 480 }));
	files.text = await readFile(await writeTextFile(path.join(workDir, "notes.jpg")));
}, 120_000);
afterAll(async () => {
	await api.stop();
	await rm(workDir, { recursive: true, force: true });
});

async function upload(account: Account, bytes: Buffer, kind: "forum-image" | "forum-clip"): Promise<string> {
	const { uploadId } = await tusUpload(bytes, { baseUrl: api.baseUrl, token: account.token, metadata: { kind, filetype: "application/octet-stream" } });
	expect(uploadId).toMatch(/^forum-/);
	return uploadId.slice("forum-".length);
}

async function settled(account: Account, mediaId: string) {
	return eventually(async () => {
		const media = (await http.request("GET", `/api/forum-media/${mediaId}`, { token: account.token })).body;
		return media.state === "ready" || media.state === "failed" ? media : undefined;
	}, `media ${mediaId} to settle`, 60_000);
}

function elementsOf(html: string): Array<{ name: string; attributes: Record<string, string> }> {
	const elements: Array<{ name: string; attributes: Record<string, string> }> = [];
	new Parser({ onopentag: (name, attributes) => elements.push({ name, attributes }) }).end(html);
	return elements;
}

async function storedKeys(): Promise<string[]> {
	const keys: string[] = [];
	for await (const object of storage.list("")) keys.push(object.key);
	return keys;
}

async function asOwner<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		await client.query("BEGIN");
		await client.query(OWNER);
		const { rows } = await client.query<T>(sql, values);
		await client.query("COMMIT");
		return rows;
	} finally {
		await client.end();
	}
}

describe("uploading forum media", () => {
	it("turns a phone photo into a JPEG of at most 1600 px without its EXIF or GPS, and never serves the original", async () => {
		const mediaId = await upload(author, files.photo, "forum-image");
		const media = await settled(author, mediaId);
		expect(media).toMatchObject({ kind: "image", state: "ready", width: 1600, height: 800, markdown: `![](media:${mediaId})` });
		// The upload itself (with its EXIF) is gone once processed, and the tus address does not hand it out.
		expect((await storedKeys()).filter((key) => key.startsWith(`forum-${mediaId}`))).toEqual([]);
		const original = await fetch(`${api.baseUrl}/api/uploads/forum-${mediaId}`, { headers: { authorization: `Bearer ${author.token}`, "tus-resumable": "1.0.0" } });
		expect(original.status).toBe(404);

		const postId = await ask(http, author, { title: "My bow hold, photographed", body: `How does this look?\n\n![My bow hold](media:${mediaId})` });
		const post = (await http.request("GET", `/api/forum/posts/${postId}`, { token: reader.token })).body;
		expect(executableParts(post.html)).toEqual([]);
		const img = elementsOf(post.html).find((element) => element.name === "img")!;
		expect(img.attributes).toMatchObject({ alt: "My bow hold", width: "1600", height: "800", loading: "lazy" });
		expect(img.attributes.src).toMatch(new RegExp(`^/api/forum-media/${mediaId}/image\\.jpg\\?viewer=${reader.id}&expires=\\d+&signature=`));

		// A browser sends no bearer token for <img src>: the link is the right.
		const served = await fetch(`${api.baseUrl}${img.attributes.src}`);
		expect(served.status).toBe(200);
		expect(served.headers.get("content-type")).toMatch(/^image\/jpeg/);
		expect(served.headers.get("x-content-type-options")).toBe("nosniff");
		expect(served.headers.get("cache-control")).toMatch(/private/);
		const bytes = Buffer.from(await served.arrayBuffer());
		expect(jpegHasApp1(bytes)).toBe(false);
		expect(bytes.includes(Buffer.from(EXIF_MARKER))).toBe(false);
		await writeFile(path.join(workDir, "served.jpg"), bytes);
		const probe = await probeMedia(path.join(workDir, "served.jpg"));
		expect(Math.max(probe.video!.displayWidth, probe.video!.displayHeight)).toBeLessThanOrEqual(1600);

		// The stored rendering holds no signature: links are made when the post is read.
		const [stored] = await asOwner<{ html: string }>("SELECT body_html AS html FROM forum_posts WHERE id = $1", [postId]);
		expect(stored!.html).toContain(`/api/forum-media/${mediaId}/image.jpg`);
		expect(stored!.html).not.toMatch(/signature=/);
	}, 90_000);

	it("turns a 3 s clip into an MP4 with a poster, served with their types", async () => {
		const mediaId = await upload(author, files.clip, "forum-clip");
		expect(await settled(author, mediaId)).toMatchObject({ kind: "clip", state: "ready", width: 640, height: 480 });
		const html = (await http.request("POST", "/api/forum/preview", { token: author.token, body: { body: `![Spiccato at the balance point](media:${mediaId})` } })).body.html;
		expect(executableParts(html)).toEqual([]);
		const video = elementsOf(html).find((element) => element.name === "video")!;
		expect(video.attributes).toMatchObject({ controls: "", preload: "none", width: "640", height: "480" });
		const clip = await fetch(`${api.baseUrl}${video.attributes.src}`);
		expect(clip.status).toBe(200);
		expect(clip.headers.get("content-type")).toMatch(/^video\/mp4/);
		const mp4 = Buffer.from(await clip.arrayBuffer());
		expect(mp4.indexOf("moov")).toBeLessThan(mp4.indexOf("mdat"));
		const poster = await fetch(`${api.baseUrl}${video.attributes.poster}`);
		expect(poster.status).toBe(200);
		expect(poster.headers.get("content-type")).toMatch(/^image\/jpeg/);
		// The link opens this item's files only, not another file name.
		expect((await fetch(`${api.baseUrl}${video.attributes.src!.replace("clip.mp4", "image.jpg")}`)).status).toBe(404);

		// Read in parts, as Safari's player and any seek do.
		expect(clip.headers.get("accept-ranges")).toBe("bytes");
		const part = await fetch(`${api.baseUrl}${video.attributes.src}`, { headers: { Range: "bytes=100-1123" } });
		expect(part.status).toBe(206);
		expect(part.headers.get("content-range")).toBe(`bytes 100-1123/${mp4.length}`);
		expect(Buffer.from(await part.arrayBuffer()).equals(mp4.subarray(100, 1124))).toBe(true);
		const tail = await fetch(`${api.baseUrl}${video.attributes.src}`, { headers: { Range: "bytes=-10" } });
		expect(Buffer.from(await tail.arrayBuffer()).equals(mp4.subarray(-10))).toBe(true);
		const beyond = await fetch(`${api.baseUrl}${video.attributes.src}`, { headers: { Range: `bytes=${mp4.length}-` } });
		expect(beyond.status).toBe(416);
		expect((await beyond.json()).code).toBe("ERR_RANGE_NOT_SATISFIABLE");
	}, 90_000);

	it("fails what ffmpeg cannot decode, with a code, and keeps none of its bytes", async () => {
		const mediaId = await upload(author, files.text, "forum-image");
		expect(await settled(author, mediaId)).toMatchObject({ state: "failed", failureCode: "ERR_NOT_DECODABLE" });
		expect((await storedKeys()).filter((key) => key.includes(mediaId))).toEqual([]);
	});

	it("answers a wrong kind, a missing size or a too large file with a 4xx and a code", async () => {
		const attempt = (bytes: Buffer, metadata: Record<string, string>) =>
			tusUpload(bytes, { baseUrl: api.baseUrl, token: author.token, metadata }).then(() => ({ status: 201, body: {} as any }), refusal);
		expect(await attempt(files.photo, { kind: "forum-gif" })).toMatchObject({ status: 422, body: { code: "ERR_VALIDATION" } });
		expect(await attempt(Buffer.alloc(10 * 1024 ** 2 + 1), { kind: "forum-image" })).toMatchObject({ status: 413, body: { code: "ERR_UPLOAD_TOO_LARGE" } });
		expect(await tusUpload(files.photo, { baseUrl: api.baseUrl, metadata: { kind: "forum-image" } }).catch(refusal)).toMatchObject({ status: 401 });
	});
});

describe("embedding forum media", () => {
	it("refuses media that is someone else's, unknown or not processed yet (422), and shows someone else's as removed in a preview", async () => {
		const othersId = await upload(reader, files.photo, "forum-image");
		expect((await settled(reader, othersId)).state).toBe("ready");
		const half = await tusUpload(files.clip, { baseUrl: api.baseUrl, token: author.token, metadata: { kind: "forum-clip" }, chunkSize: Math.ceil(files.clip.length / 4), stopAtFraction: 0.5 });
		const unfinishedId = half.uploadId.slice("forum-".length);
		const cases: Array<[string, string]> = [
			[othersId, "ERR_MEDIA_NOT_FOUND"],
			["6f1c0a52-3f4e-4c51-9a57-1f2d3e4b5c6d", "ERR_MEDIA_NOT_FOUND"],
			[unfinishedId, "ERR_MEDIA_NOT_READY"]
		];
		const postId = await ask(http, author, { title: "A post to embed things in", body: "Nothing embedded here yet." });
		for (const [mediaId, code] of cases) {
			const body = `Look:\n\n![x](media:${mediaId})`;
			const refusedPost = await http.request("POST", "/api/forum/posts", { token: author.token, body: { title: "Embedding what is not mine", body } });
			expect(refusedPost, mediaId).toMatchObject({ status: 422, body: { code } });
			expect((await http.request("PATCH", `/api/forum/posts/${postId}`, { token: author.token, body: { body } })).body.code).toBe(code);
			expect((await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body } })).body.code).toBe(code);
		}
		const preview = await http.request("POST", "/api/forum/preview", { token: author.token, body: { body: `![x](media:${othersId})` } });
		expect(preview.body.html).toBe("<p>[media removed]</p>\n");
	}, 90_000);

	it("counts embedded media toward a new member's one image per post", async () => {
		const newcomer = await http.register("student", "Newcomer with two pictures");
		const first = await upload(newcomer, files.photo, "forum-image");
		const second = await upload(newcomer, files.photo, "forum-image");
		await settled(newcomer, first);
		await settled(newcomer, second);
		const refused = await http.request("POST", "/api/forum/posts", { token: newcomer.token, body: { title: "Two pictures of my bow", body: `![a](media:${first}) ![b](media:${second})` } });
		expect(refused).toMatchObject({ status: 422, body: { code: "ERR_TOO_MANY_IMAGES" } });
	}, 90_000);

	it("shows [media removed] once the media is deleted, and stops serving it", async () => {
		const mediaId = await upload(author, files.photo, "forum-image");
		await settled(author, mediaId);
		const postId = await ask(http, author, { title: "A picture I will delete", body: `Before:\n\n![soon gone](media:${mediaId})` });
		const src = elementsOf((await http.request("GET", `/api/forum/posts/${postId}`, { token: reader.token })).body.html).find((element) => element.name === "img")!.attributes.src!;
		expect((await fetch(`${api.baseUrl}${src}`)).status).toBe(200);

		expect((await http.request("DELETE", `/api/forum-media/${mediaId}`, { token: reader.token })).status).toBe(404);
		expect((await http.request("DELETE", `/api/forum-media/${mediaId}`, { token: author.token })).status).toBe(204);
		expect((await http.request("GET", `/api/forum/posts/${postId}`, { token: reader.token })).body.html).toBe("<p>Before:</p>\n<p>[media removed]</p>\n");
		expect((await fetch(`${api.baseUrl}${src}`)).status).toBe(404);
		await api.node.broker.call("media.purgeDeleted");
		expect((await storedKeys()).filter((key) => key.includes(mediaId))).toEqual([]);
		expect(await asOwner("SELECT id FROM forum_media WHERE id = $1", [mediaId])).toEqual([]);
	}, 90_000);

	it("refuses a forged or foreign link", async () => {
		const mediaId = await upload(author, files.photo, "forum-image");
		await settled(author, mediaId);
		const html = (await http.request("POST", "/api/forum/preview", { token: author.token, body: { body: `![x](media:${mediaId})` } })).body.html;
		const src = elementsOf(html).find((element) => element.name === "img")!.attributes.src!;
		const forged = await fetch(`${api.baseUrl}${src.replace(/signature=[\w-]+/, "signature=AAAA")}`);
		expect(forged.status).toBe(403);
		expect(((await forged.json()) as { code: string }).code).toBe("ERR_MEDIA_LINK_INVALID");
		const otherViewer = await fetch(`${api.baseUrl}${src.replace(/viewer=[\w-]+/, `viewer=${reader.id}`)}`);
		expect(otherViewer.status).toBe(403);
		expect((await fetch(`${api.baseUrl}/api/forum-media/${mediaId}/image.jpg`)).status).toBe(422);
	}, 60_000);
});

describe("personal data", () => {
	it("exports the rows and the served files, and purges both with the account", async () => {
		const leaver = await member(http, databaseUrl, "Leaver with pictures", 300);
		const mediaId = await upload(leaver, files.photo, "forum-image");
		await settled(leaver, mediaId);
		const postId = await ask(http, leaver, { title: "A picture of a leaver", body: `![mine](media:${mediaId})` });
		const exported = (await api.node.broker.call("media.exportPersonalData", { userId: leaver.id })) as { tables: Record<string, Array<{ id: string }>>; objects: Array<{ fileName: string }> };
		expect(exported.tables.forum_media!.map((row) => row.id)).toEqual([mediaId]);
		expect(exported.objects.map((object) => object.fileName)).toContain(`forum-media/${mediaId}/image.jpg`);

		expect((await http.request("DELETE", "/api/me", { token: leaver.token, body: { password: "correct horse battery" } })).status).toBe(204);
		await asOwner("UPDATE users SET deleted_at = now() - interval '30 days' WHERE id = $1", [leaver.id]);
		await api.node.broker.call("auth.purgeDueAccounts");
		await eventually(async () => (await asOwner("SELECT id FROM forum_media WHERE owner_id = $1", [leaver.id])).length === 0, "the leaver's media rows to go", 20_000);
		expect((await storedKeys()).filter((key) => key.includes(mediaId))).toEqual([]);
		const tombstone = (await http.request("GET", `/api/forum/posts/${postId}`, { token: reader.token })).body;
		expect(tombstone.status).toBe("deleted");
	}, 90_000);
});
