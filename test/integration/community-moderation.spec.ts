import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, makeModerator, member, members, reply } from "../support/community-fixtures";
import { httpClient, type Account } from "../support/http-client";
import { TEST_PII_KEYS } from "../support/processes";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/** New-user limits, first posts held for review, flags, the moderators' queue and log, feeds. */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let databaseUrl: string;
let moderator: Account;
let author: Account;

const post = (title: string, body = "A body long enough to be a real post about practice.") => ({ title, body, tags: ["practice"] });

beforeAll(async () => {
	databaseUrl = testDatabaseUrl();
	api = await startTestApi(databaseUrl);
	http = httpClient(api.baseUrl);
	moderator = await member(http, databaseUrl, "Moderator", 1000);
	await makeModerator(databaseUrl, moderator);
	author = await member(http, databaseUrl, "Author", 200);
}, 120_000);
afterAll(() => api.stop());

async function logOf(itemId: string): Promise<string[]> {
	const log = await http.request("GET", "/api/forum/moderation/log", { token: moderator.token });
	return log.body.filter((entry: { itemId: string | null }) => entry.itemId === itemId).map((entry: { action: string }) => entry.action);
}

describe("new users", () => {
	it("hold a new account's first post with a link for review, shown to its author and moderators only, until approved", async () => {
		const newcomer = await http.register("student", "Newcomer with a link");
		const id = (await http.request("POST", "/api/forum/posts", { token: newcomer.token, body: post("My teacher's scale sheet", "See https://example.org/scales for the sheet.") })).body.id;
		expect((await http.request("GET", `/api/forum/posts/${id}`, { token: newcomer.token })).body.status).toBe("pending");
		expect((await http.request("GET", `/api/forum/posts/${id}`, { token: author.token })).status).toBe(404);
		const queue = await http.request("GET", "/api/forum/moderation/queue", { token: moderator.token });
		expect(queue.body.find((entry: { itemId: string }) => entry.itemId === id)).toMatchObject({ itemType: "post", status: "pending", authorName: "Newcomer with a link" });

		const approved = await http.request("POST", "/api/forum/moderation/decisions", { token: moderator.token, body: { itemType: "post", itemId: id, action: "approve" } });
		expect(approved.body).toEqual({ action: "approve", status: "visible" });
		expect((await http.request("GET", `/api/forum/posts/${id}`, { token: author.token })).status).toBe(200);
		expect(await logOf(id)).toEqual(["approve"]);
	});

	it("refuse a new user's third link, and let only one of five simultaneous posts through the wait between posts", async () => {
		const newcomer = await http.register("student", "Hasty newcomer");
		const links = await http.request("POST", "/api/forum/posts", { token: newcomer.token, body: post("Three links at once", "[a](https://a.example) [b](https://b.example) [c](https://c.example)") });
		expect(links.status).toBe(422);
		expect(links.body.code).toBe("ERR_TOO_MANY_LINKS");
		const attempts = await Promise.all(Array.from({ length: 5 }, (_, index) => http.request("POST", "/api/forum/posts", { token: newcomer.token, body: post(`Simultaneous post ${index}`) })));
		expect(attempts.map((attempt) => attempt.status).sort()).toEqual([201, 429, 429, 429, 429]);
		expect(attempts.find((attempt) => attempt.status === 429)!.body.code).toBe("ERR_POSTING_TOO_FAST");
	});
});

describe("flags and the review queue", () => {
	it("refuse a flag below 15 reputation and hide a post once the flags weigh 5, logged", async () => {
		const id = await ask(http, author, post("Buy cheap rosin here now"));
		const newcomer = await http.register("student", "Flagger without standing");
		const weak = await http.request("POST", "/api/forum/flags", { token: newcomer.token, body: { itemType: "post", itemId: id, reason: "spam" } });
		expect(weak.body.code).toBe("ERR_PRIVILEGE_REQUIRED");
		const flaggers = await members(http, databaseUrl, "Flagger", 3, 20);
		const outcomes = [];
		for (const flagger of flaggers) outcomes.push((await http.request("POST", "/api/forum/flags", { token: flagger.token, body: { itemType: "post", itemId: id, reason: "spam" } })).body);
		expect(outcomes).toEqual([{ hidden: false, weight: 2 }, { hidden: false, weight: 2 }, { hidden: true, weight: 2 }]);
		const again = await http.request("POST", "/api/forum/flags", { token: flaggers[0]!.token, body: { itemType: "post", itemId: id, reason: "spam" } });
		expect(again.status).toBe(404);
		expect((await http.request("GET", `/api/forum/posts/${id}`, { token: flaggers[0]!.token })).status).toBe(404);
		expect((await http.request("GET", `/api/forum/posts/${id}`, { token: author.token })).body.status).toBe("hidden");
		const queue = await http.request("GET", "/api/forum/moderation/queue", { token: moderator.token });
		expect(queue.body.find((entry: { itemId: string }) => entry.itemId === id)).toMatchObject({ status: "hidden", flagWeight: 6 });
		expect(await logOf(id)).toEqual(["auto_hide"]);
	});

	it("deletes a flagged answer as a tombstone, reversing its reputation", async () => {
		const id = await ask(http, moderator, post("A question that gets a spam answer"));
		const answerId = await reply(http, author, id, "Visit my shop for strings");
		const voter = await member(http, databaseUrl, "Upvoter", 50);
		await http.request("PUT", `/api/forum/votes/comment/${answerId}`, { token: voter.token, body: { value: 1 } });
		const flagger = await member(http, databaseUrl, "Answer flagger", 20);
		await http.request("POST", "/api/forum/flags", { token: flagger.token, body: { itemType: "comment", itemId: answerId, reason: "spam" } });
		const before = await api.node.broker.call<{ cached: number }, { userId: string }>("community.recomputeReputation", { userId: author.id });
		const decided = await http.request("POST", "/api/forum/moderation/decisions", { token: moderator.token, body: { itemType: "comment", itemId: answerId, action: "delete", note: "shop link" } });
		expect(decided.body).toEqual({ action: "delete", status: "deleted" });
		const after = await api.node.broker.call<{ cached: number; recomputed: number }, { userId: string }>("community.recomputeReputation", { userId: author.id });
		expect(after.cached).toBe(before.cached - 10);
		expect(after.recomputed).toBe(after.cached);
		const read = await http.request("GET", `/api/forum/posts/${id}`, { token: voter.token });
		expect(read.body.comments[0]).toMatchObject({ id: answerId, status: "deleted", html: "", author: null });
		expect(await logOf(answerId)).toEqual(["delete"]);
	});

	it("silences an author for a week and bans another, whose account is suspended", async () => {
		const loud = await member(http, databaseUrl, "Loud", 200);
		const loudPost = await ask(http, loud, post("An offensive rant about teachers"));
		expect((await http.request("POST", "/api/forum/moderation/decisions", { token: moderator.token, body: { itemType: "post", itemId: loudPost, action: "silence" } })).body).toEqual({ action: "silence", status: "hidden" });
		const muted = await http.request("POST", "/api/forum/posts", { token: loud.token, body: post("Trying to post while silenced") });
		expect(muted.status).toBe(403);
		expect(muted.body.code).toBe("ERR_SILENCED");

		const spammer = await member(http, databaseUrl, "Spammer", 200);
		const spam = await ask(http, spammer, post("Spam spam spam spam spam"));
		expect((await http.request("POST", "/api/forum/moderation/decisions", { token: moderator.token, body: { itemType: "post", itemId: spam, action: "ban" } })).body).toEqual({ action: "ban", status: "deleted" });
		expect((await http.request("GET", "/api/me", { token: spammer.token })).status).toBe(401);
		expect(await logOf(spam)).toEqual(["ban"]);
	});

	it("keeps the queue, decisions and log to moderators", async () => {
		const id = await ask(http, author, post("An ordinary question about scales"));
		for (const [method, path, body] of [
			["GET", "/api/forum/moderation/queue", undefined],
			["GET", "/api/forum/moderation/log", undefined],
			["POST", "/api/forum/moderation/decisions", { itemType: "post", itemId: id, action: "delete" }]
		] as const) {
			const response = await http.request(method, path, { token: author.token, body });
			expect(response.status, path).toBe(403);
		}
		expect((await http.request("GET", `/api/forum/posts/${id}`, { token: author.token })).body.status).toBe("visible");
	});

	it("makes the first moderator with a command", async () => {
		const future = await http.register("teacher", "Future moderator");
		const { stdout } = await promisify(execFile)("npx", ["tsx", "scripts/make-moderator.ts", future.email], {
			// The suite's nodes encrypt emails under the test key; the command must read them with it.
			env: { ...process.env, DATABASE_URL: databaseUrl, SERVICES: "auth,community", JWT_SECRET: "x".repeat(48), PII_KEYS: TEST_PII_KEYS, PORT: "0", LOG_LEVEL: "warn" }
		});
		expect(stdout).toContain("is now a community moderator");
		expect((await http.request("GET", "/api/forum/moderation/queue", { token: future.token })).status).toBe(200);
		expect((await http.request("GET", "/api/forum/me", { token: future.token })).body.isModerator).toBe(true);
		// Without ever having posted or voted.
		const id = await ask(http, author, post("A question a new moderator flags"));
		const flagged = await http.request("POST", "/api/forum/flags", { token: future.token, body: { itemType: "post", itemId: id, reason: "offensive" } });
		expect(flagged.body).toEqual({ hidden: true, weight: 5 });
	}, 60_000);
});

describe("feeds", () => {
	it("orders new, top, unanswered and hot (score decayed by age), by tag", async () => {
		const tag = `feed-${Date.now().toString(36)}`;
		const voters = await members(http, databaseUrl, "Feed voter", 4, 50);
		const make = async (title: string, ageHours: number, votes: number, answered = false) => {
			const id = await ask(http, author, { ...post(title), tags: [tag] });
			for (const voter of voters.slice(0, votes)) await http.request("PUT", `/api/forum/votes/post/${id}`, { token: voter.token, body: { value: 1 } });
			if (answered) await reply(http, moderator, id, "An answer");
			const client = new pg.Client({ connectionString: databaseUrl });
			await client.connect();
			await client.query(`UPDATE forum_posts SET created_at = now() - make_interval(hours => $2) WHERE id = $1`, [id, ageHours]);
			await client.end();
			return id;
		};
		const fresh = await make("Fresh question with one vote", 1, 1);
		const old = await make("Old question with four votes", 24 * 6, 4, true);
		const ancient = await make("Ancient question with three votes", 24 * 40, 3);
		const feed = async (query: string) =>
			(await http.request("GET", `/api/forum/posts?tag=${tag}&${query}`, { token: author.token })).body.items.map((item: { id: string }) => item.id);
		expect(await feed("feed=new")).toEqual([fresh, old, ancient]);
		expect(await feed("feed=top&period=week")).toEqual([old, fresh]);
		expect(await feed("feed=top&period=all")).toEqual([old, ancient, fresh]);
		expect(await feed("feed=unanswered")).toEqual([fresh, ancient]);
		expect(await feed("feed=hot")).toEqual([fresh, old]);
		// Without a tag, hot is ranked from its covering index first: the same order among everything else.
		// Other suites post into the same database: page until both are found.
		const everything: string[] = [];
		for (let offset = 0; offset < 1000 && !(everything.includes(fresh) && everything.includes(old)); offset += 50) {
			const page = (await http.request("GET", `/api/forum/posts?feed=hot&limit=50&offset=${offset}`, { token: author.token })).body.items.map((item: { id: string }) => item.id);
			if (page.length === 0) break;
			everything.push(...page);
		}
		expect(everything.indexOf(fresh)).toBeGreaterThanOrEqual(0);
		expect(everything.indexOf(fresh)).toBeLessThan(everything.indexOf(old));
		expect(everything).not.toContain(ancient);
	});
});
