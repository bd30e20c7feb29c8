import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MARKDOWN_MAX_CHARS } from "../../lib/markdown";
import { eventually } from "../support/eventually";
import { generateStillImage } from "../support/media-fixtures";
import { tusUpload } from "../support/tus";
import { ask, member } from "../support/community-fixtures";
import { XSS_CORPUS, executableParts } from "../support/xss-corpus";
import { httpClient, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * The XSS corpus through every way markdown enters the community — a post, an answer, a nested
 * comment, the preview — and the HTML served back: nothing executable, ever. The corpus holds
 * script-scheme links in any case, data: links, event handlers, SVG and iframe payloads and the
 * mutation-XSS vectors DOMPurify documents (test/support/xss-corpus.ts).
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let author: Account;
let postId: string;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	author = await member(http, testDatabaseUrl(), "Attacker", 5000);
	postId = await ask(http, author, { title: "A question to attack in its answers", body: "Plain body of the question." });
}, 120_000);
afterAll(() => api.stop());

describe("the XSS corpus", () => {
	it("leaves nothing executable in a post, an answer, a comment or the preview, stored or served", async () => {
		const attackedPostId = await ask(http, author, { title: "A post whose body is attacked", body: `Some text before.\n\n${XSS_CORPUS[0]}` });
		expect(executableParts((await http.request("GET", `/api/forum/posts/${attackedPostId}`, { token: author.token })).body.html)).toEqual([]);
		const answerId = (await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body: "parent answer" } })).body.id;
		for (const attack of XSS_CORPUS) {
			const body = `Some text before.\n\n${attack}\n\nAnd after.`;
			// A post is attacked as it is edited (a member may only start 20 posts a day).
			const edited = await http.request("PATCH", `/api/forum/posts/${attackedPostId}`, { token: author.token, body: { body } });
			expect(edited.status, attack).toBe(200);
			const served = await http.request("GET", `/api/forum/posts/${attackedPostId}`, { token: author.token });
			expect(executableParts(served.body.html), `post: ${attack}`).toEqual([]);
			const answer = await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body } });
			expect(executableParts(answer.body.html), `answer: ${attack}`).toEqual([]);
			const comment = await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body, parentId: answerId } });
			expect(executableParts(comment.body.html), `comment: ${attack}`).toEqual([]);
			for (const profile of ["full", "light"]) {
				const preview = await http.request("POST", "/api/forum/preview", { token: author.token, body: { body, profile } });
				expect(executableParts(preview.body.html), `preview ${profile}: ${attack}`).toEqual([]);
			}
		}
		// The whole thread as served: every answer's and comment's HTML.
		const thread = await http.request("GET", `/api/forum/posts/${postId}`, { token: author.token });
		const htmlOf = (comments: Array<{ html: string; replies: never[] }>): string[] => comments.flatMap((comment) => [comment.html, ...htmlOf(comment.replies)]);
		const served = htmlOf(thread.body.comments);
		expect(served).toHaveLength(1 + 2 * XSS_CORPUS.length);
		expect(served.flatMap(executableParts)).toEqual([]);
	}, 120_000);

	it("refuses a 70 000-character body everywhere markdown enters, and renders the longest allowed one", async () => {
		const pathological = `https://example.org ${"*".repeat(70_000)}`;
		const refused = [
			await http.request("POST", "/api/forum/posts", { token: author.token, body: { title: "A pathological body", body: pathological } }),
			await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body: pathological } }),
			await http.request("POST", "/api/forum/preview", { token: author.token, body: { body: pathological } })
		];
		for (const response of refused) {
			expect(response.status).toBe(422);
			expect(response.body.code).toBe("ERR_VALIDATION");
		}
		const longest = `https://example.org ${"*".repeat(MARKDOWN_MAX_CHARS - 20)}`;
		const preview = await http.request("POST", "/api/forum/preview", { token: author.token, body: { body: longest } });
		expect(preview.status).toBe(200);
	});

	it("embeds only the author's own processed media, on our own route; another member's id is refused or shown as removed", async () => {
		const other = await member(http, testDatabaseUrl(), "Other member", 5000);
		const workDir = await mkdtemp(path.join(os.tmpdir(), "etude-xss-media-"));
		const picture = await readFile(await generateStillImage(path.join(workDir, "picture.png")));
		await rm(workDir, { recursive: true, force: true });
		const uploadedBy = async (account: Account) => {
			const { uploadId } = await tusUpload(picture, { baseUrl: api.baseUrl, token: account.token, metadata: { kind: "forum-image" } });
			const mediaId = uploadId.slice("forum-".length);
			await eventually(async () => (await http.request("GET", `/api/forum-media/${mediaId}`, { token: account.token })).body.state === "ready", "the picture to be processed", 60_000);
			return mediaId;
		};
		const [own, others] = [await uploadedBy(author), await uploadedBy(other)];
		const body = (mediaId: string) => `Some text before.\n\n![a caption with <script>alert(1)</script>](media:${mediaId})\n\nAnd after.`;
		const posted = await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body: body(own) } });
		expect(posted.status).toBe(201);
		expect(posted.body.html).toMatch(/<img src="\/api\/forum-media\//);
		expect(executableParts(posted.body.html)).toEqual([]);
		const refused = await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: author.token, body: { body: body(others) } });
		expect(refused).toMatchObject({ status: 422, body: { code: "ERR_MEDIA_NOT_FOUND" } });
		const preview = await http.request("POST", "/api/forum/preview", { token: author.token, body: { body: body(others) } });
		expect(preview.body.html).not.toMatch(/<img|<video/);
		expect(preview.body.html).toContain("[media removed]");
	}, 120_000);
});

