import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, member, reply } from "../support/community-fixtures";
import { httpClient, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Every community route against REAL entities of someone else: member A's question, answer and
 * comment, newcomer N's post waiting for review, tried by member B (300 reputation, no moderator)
 * and by a first-day newcomer; every route refused without a token. Someone else's hidden entity
 * answers 404, a right one lacks 403; nothing changes. Then the personal-data export and purge.
 */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let databaseUrl: string;
let memberA: Account;
let memberB: Account;
let newcomerN: Account;
let newcomerM: Account;
const ids: Record<string, string> = {};

beforeAll(async () => {
	databaseUrl = testDatabaseUrl();
	api = await startTestApi(databaseUrl);
	http = httpClient(api.baseUrl);
	memberA = await member(http, databaseUrl, "Member A", 300);
	memberB = await member(http, databaseUrl, "Member B", 300);
	newcomerN = await http.register("student", "Newcomer N");
	newcomerM = await http.register("student", "Newcomer M");
	ids.post = await ask(http, memberA, { title: "Member A's question on vibrato", body: "How wide should a vibrato be in Bach?", tags: ["vibrato"] });
	ids.answer = await reply(http, memberA, ids.post, "Member A answers their own question");
	ids.comment = await reply(http, memberA, ids.post, "Member A comments on it", ids.answer);
	ids.pending = await ask(http, newcomerN, { title: "Newcomer N's pending xylophone post", body: "Look at https://example.org/xylophone please." });
}, 120_000);
afterAll(() => api.stop());

type Caller = "memberA" | "memberB" | "newcomerM";
interface Probe {
	method: string;
	route: string;
	path: () => string;
	body?: () => unknown;
	expect: Partial<Record<Caller, [number, string]>>;
}

const hidden: [number, string] = [404, "_NOT_FOUND"];
const forbidden: [number, string] = [403, "ERR_FORBIDDEN"];
const probes: Probe[] = [
	{ method: "POST", route: "/api/forum/posts", path: () => "/api/forum/posts", body: () => ({ title: "x", body: "y" }), expect: {} },
	{ method: "GET", route: "/api/forum/posts", path: () => "/api/forum/posts", expect: {} },
	{ method: "GET", route: "/api/forum/posts/{id}", path: () => `/api/forum/posts/${ids.pending}`, expect: { memberB: hidden } },
	{ method: "PATCH", route: "/api/forum/posts/{id}", path: () => `/api/forum/posts/${ids.post}`, body: () => ({ title: "Member B rewrote this title" }), expect: { memberB: [403, "ERR_PRIVILEGE_REQUIRED"] } },
	{ method: "PATCH", route: "/api/forum/posts/{id}", path: () => `/api/forum/posts/${ids.pending}`, body: () => ({ title: "Member B rewrote this title" }), expect: { memberB: hidden } },
	{ method: "DELETE", route: "/api/forum/posts/{id}", path: () => `/api/forum/posts/${ids.post}`, expect: { memberB: forbidden } },
	{ method: "DELETE", route: "/api/forum/posts/{id}", path: () => `/api/forum/posts/${ids.pending}`, expect: { memberB: hidden } },
	{ method: "GET", route: "/api/forum/posts/{id}/revisions", path: () => `/api/forum/posts/${ids.pending}/revisions`, expect: { memberB: hidden } },
	{ method: "POST", route: "/api/forum/posts/{id}/comments", path: () => `/api/forum/posts/${ids.pending}/comments`, body: () => ({ body: "intruder" }), expect: { memberB: hidden } },
	{ method: "POST", route: "/api/forum/posts/{id}/comments", path: () => `/api/forum/posts/${ids.post}/comments`, body: () => ({ body: "a newcomer's comment", parentId: ids.answer }), expect: { newcomerM: [403, "ERR_PRIVILEGE_REQUIRED"] } },
	{ method: "DELETE", route: "/api/forum/comments/{id}", path: () => `/api/forum/comments/${ids.answer}`, expect: { memberB: forbidden } },
	{ method: "DELETE", route: "/api/forum/comments/{id}", path: () => `/api/forum/comments/${ids.comment}`, expect: { memberB: forbidden } },
	{ method: "PUT", route: "/api/forum/posts/{id}/accept/{answerId}", path: () => `/api/forum/posts/${ids.post}/accept/${ids.answer}`, expect: { memberB: forbidden } },
	{ method: "DELETE", route: "/api/forum/posts/{id}/accept", path: () => `/api/forum/posts/${ids.post}/accept`, expect: { memberB: forbidden } },
	{ method: "PUT", route: "/api/forum/votes/{itemType}/{itemId}", path: () => `/api/forum/votes/post/${ids.pending}`, body: () => ({ value: 1 }), expect: { memberB: hidden } },
	{ method: "PUT", route: "/api/forum/votes/{itemType}/{itemId}", path: () => `/api/forum/votes/comment/${ids.answer}`, body: () => ({ value: 1 }), expect: { memberA: [403, "ERR_SELF_VOTE"], newcomerM: [403, "ERR_PRIVILEGE_REQUIRED"] } },
	{ method: "DELETE", route: "/api/forum/votes/{itemType}/{itemId}", path: () => `/api/forum/votes/post/${ids.pending}`, expect: { memberB: hidden } },
	{ method: "GET", route: "/api/forum/search", path: () => "/api/forum/search?q=xylophone", expect: {} },
	{ method: "GET", route: "/api/forum/tags", path: () => "/api/forum/tags", expect: {} },
	{ method: "POST", route: "/api/forum/preview", path: () => "/api/forum/preview", body: () => ({ body: "x" }), expect: {} },
	{ method: "GET", route: "/api/forum/me", path: () => "/api/forum/me", expect: {} },
	{ method: "POST", route: "/api/forum/flags", path: () => "/api/forum/flags", body: () => ({ itemType: "post", itemId: ids.pending, reason: "spam" }), expect: { memberB: hidden } },
	{ method: "POST", route: "/api/forum/flags", path: () => "/api/forum/flags", body: () => ({ itemType: "post", itemId: ids.post, reason: "spam" }), expect: { newcomerM: [403, "ERR_PRIVILEGE_REQUIRED"] } },
	{ method: "GET", route: "/api/forum/moderation/queue", path: () => "/api/forum/moderation/queue", expect: { memberB: forbidden, memberA: forbidden } },
	{ method: "POST", route: "/api/forum/moderation/decisions", path: () => "/api/forum/moderation/decisions", body: () => ({ itemType: "post", itemId: ids.pending, action: "approve" }), expect: { memberB: forbidden, memberA: forbidden } },
	{ method: "POST", route: "/api/forum/moderation/decisions", path: () => "/api/forum/moderation/decisions", body: () => ({ itemType: "post", itemId: ids.post, action: "delete" }), expect: { memberB: forbidden } },
	{ method: "GET", route: "/api/forum/moderation/log", path: () => "/api/forum/moderation/log", expect: { memberB: forbidden } }
];

describe("community routes against another user's real entities", () => {
	it("probes every community route the API documents", async () => {
		const document = (await http.request("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
		const routes = Object.entries(document.paths)
			.filter(([path]) => path.startsWith("/api/forum/"))
			.flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
		expect(routes.length).toBeGreaterThanOrEqual(20);
		const probed = new Set(probes.map((probe) => `${probe.method} ${probe.route}`));
		expect(routes.filter((route) => !probed.has(route))).toEqual([]);
	});

	it("refuses every route without a token", async () => {
		for (const probe of probes) {
			const response = await http.request(probe.method, probe.path(), { body: probe.body?.() });
			expect(response.status, `${probe.method} ${probe.path()}`).toBe(401);
		}
	});

	it("answers 404 for someone else's hidden entity and 403 for a missing right, and changes nothing", async () => {
		const callers: Record<Caller, Account> = { memberA, memberB, newcomerM };
		for (const probe of probes) {
			for (const [caller, [status, code]] of Object.entries(probe.expect) as Array<[Caller, [number, string]]>) {
				const response = await http.request(probe.method, probe.path(), { token: callers[caller].token, body: probe.body?.() });
				expect(response.status, `${caller} ${probe.method} ${probe.path()}: ${JSON.stringify(response.body)}`).toBe(status);
				expect(response.body.code, `${caller} ${probe.method} ${probe.path()}`).toMatch(new RegExp(code.startsWith("_") ? `${code}$` : `^${code}$`));
			}
		}
		const post = await http.request("GET", `/api/forum/posts/${ids.post}`, { token: memberA.token });
		expect(post.body).toMatchObject({ title: "Member A's question on vibrato", status: "visible", revision: 1, score: 0, acceptedAnswerId: null });
		expect(post.body.comments).toMatchObject([{ id: ids.answer, score: 0, status: "visible", replies: [{ id: ids.comment, status: "visible" }] }]);
		expect((await http.request("GET", `/api/forum/posts/${ids.pending}`, { token: newcomerN.token })).body).toMatchObject({ status: "pending", score: 0 });
	});

	it("shows nobody else a post waiting for review, in feeds or search", async () => {
		const search = await http.request("GET", "/api/forum/search?q=xylophone", { token: memberB.token });
		expect(search.body.items).toEqual([]);
		const own = await http.request("GET", "/api/forum/search?q=xylophone", { token: newcomerN.token });
		expect(own.body.items).toEqual([]);
		const feed = await http.request("GET", "/api/forum/posts?feed=new&limit=50", { token: memberB.token });
		expect(feed.body.items.map((item: { id: string }) => item.id)).not.toContain(ids.pending);
		const me = await http.request("GET", "/api/forum/me", { token: memberB.token });
		expect(me.body).toMatchObject({ reputation: 300, isModerator: false });
		expect(me.body.privileges.find((privilege: { name: string }) => privilege.name === "editOthers")).toEqual({ name: "editOthers", threshold: 2000, granted: false });
	});
});

describe("personal data", () => {
	it("exports a member's community data and purges it, leaving anonymous tombstones where others replied", async () => {
		const leaver = await member(http, databaseUrl, "Leaver", 300);
		const leaverPost = await ask(http, leaver, { title: "The leaver's question on shifting", body: "How do I shift without a slide?" });
		const othersReply = await reply(http, memberA, leaverPost, "Member A's answer under the leaver's post");
		await http.request("PUT", `/api/forum/votes/post/${ids.post}`, { token: leaver.token, body: { value: 1 } });
		await http.request("PUT", `/api/forum/votes/comment/${othersReply}`, { token: leaver.token, body: { value: 1 } });
		expect((await http.request("GET", `/api/forum/posts/${ids.post}`, { token: memberB.token })).body.score).toBe(1);

		const exported = await api.node.broker.call<{ tables: Record<string, Array<Record<string, unknown>>> }, { userId: string }>("community.exportPersonalData", { userId: leaver.id });
		expect(exported.tables.forum_posts!.map((row) => row.id)).toEqual([leaverPost]);
		expect(exported.tables.forum_votes).toHaveLength(2);
		expect(exported.tables.forum_members).toHaveLength(1);

		const service = api.node.broker.getLocalService("community") as unknown as { purgePersonalData(event: { userId: string }): Promise<void> };
		await service.purgePersonalData({ userId: leaver.id });
		await service.purgePersonalData({ userId: leaver.id });

		const tombstone = await http.request("GET", `/api/forum/posts/${leaverPost}`, { token: memberB.token });
		expect(tombstone.body).toMatchObject({ status: "deleted", title: "", html: "", author: null });
		expect(tombstone.body.comments).toMatchObject([{ id: othersReply, status: "visible", score: 0 }]);
		expect((await http.request("GET", `/api/forum/posts/${ids.post}`, { token: memberB.token })).body.score).toBe(0);
		const after = await api.node.broker.call<{ tables: Record<string, unknown[]> }, { userId: string }>("community.exportPersonalData", { userId: leaver.id });
		expect(Object.values(after.tables).flat()).toEqual([]);
		const client = new pg.Client({ connectionString: databaseUrl });
		await client.connect();
		try {
			const { rows } = await client.query("SELECT title, body_md, body_text, author_id FROM forum_posts WHERE id = $1", [leaverPost]);
			expect(rows).toEqual([{ title: "", body_md: "", body_text: "", author_id: null }]);
		} finally {
			await client.end();
		}
		const figures = await api.node.broker.call<{ cached: number; recomputed: number }, { userId: string }>("community.recomputeReputation", { userId: memberA.id });
		expect(figures.recomputed).toBe(figures.cached);
	});
});
