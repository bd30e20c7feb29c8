import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { startNode, type EtudeNode } from "../../lib/node";
import { HOT_WINDOW_DAYS, hotRank } from "../../services/community/rules";
import { OWNER, ask, makeModerator, member, members } from "../support/community-fixtures";
import { httpClient, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Search, the same cases on PostgreSQL and on the embedded default (PGlite): accents, case,
 * decomposed input, typos, note names with sharps, tags, highlighted snippets, and the GIN
 * indexes the plans use; the lexicon following posts as they come and go, and the stored hot
 * ranks. Both databases must give the same results.
 */
const POSTS = [
	{ key: "colle", title: "Collé bowing at the frog", body: "How do I get a clean collé without a crunch? I practise on open strings.", tags: ["bowing", "violin"] },
	{ key: "spiccato", title: "Spiccato in fast passages", body: "My spiccato bounces unevenly in the Mendelssohn concerto.", tags: ["bowing"] },
	{ key: "fsharpMajor", title: "F♯ major scale fingering", body: "Which fingering do you use for three octaves?", tags: ["scales"] },
	{ key: "fsharpMinor", title: "Scale in F sharp minor, melodic form", body: "The raised sixth and seventh keep tripping me up.", tags: ["scales"] },
	{ key: "fsharpIntonation", title: "Intonation of F# in first position", body: "My F# on the E string is always flat, with the second finger.", tags: ["intonation"] },
	{ key: "detache", title: "Détaché versus martelé strokes", body: "What is the difference in the right arm between these strokes?", tags: ["bowing"] }
];

const CASES: Array<{ q: string; tag?: string; expected: string[]; ordered?: boolean }> = [
	{ q: "colle bowing", expected: ["colle"] },
	{ q: "COLLÉ", expected: ["colle"] },
	{ q: "colle\u0301", expected: ["colle"] },
	{ q: "Collé", expected: ["colle"] },
	{ q: "spicatto", expected: ["spiccato"] },
	{ q: "F sharp", expected: ["fsharpIntonation", "fsharpMajor", "fsharpMinor"] },
	{ q: "F#", expected: ["fsharpIntonation", "fsharpMajor", "fsharpMinor"] },
	{ q: "F♯", expected: ["fsharpIntonation", "fsharpMajor", "fsharpMinor"] },
	{ q: "detache", expected: ["detache"] },
	{ q: "strokes", tag: "bowing", expected: ["detache"] },
	{ q: "fingering", tag: "scales", expected: ["fsharpMajor"] },
	{ q: "fingering", tag: "bowing", expected: [] },
	{ q: "martele strokes", expected: ["detache"] },
	{ q: "mendelson", expected: ["spiccato"] }
];

interface Target {
	http: ReturnType<typeof httpClient>;
	databaseUrl: string;
	node: EtudeNode;
	stop(): Promise<void>;
}

async function postgresTarget(): Promise<Target> {
	const api: TestApi = await startTestApi(testDatabaseUrl());
	return { http: httpClient(api.baseUrl), databaseUrl: testDatabaseUrl(), node: api.node, stop: () => api.stop() };
}

async function pgliteTarget(): Promise<Target> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-community-search-"));
	const node: EtudeNode = await startNode(loadConfig({ PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "warn", NAMESPACE: `community-search-${process.pid}` }));
	const api = node.broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } };
	return {
		http: httpClient(`http://127.0.0.1:${api.server.address().port}`),
		databaseUrl: node.databaseUrl!,
		node,
		async stop() {
			await node.stop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

const results = new Map<string, unknown>();

/** Statements as the database owner, in one transaction (on PGlite the session is shared: the owner's role is taken back for it). */
async function asOwner<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		await client.query("BEGIN");
		await client.query(OWNER);
		const result = await work(client);
		await client.query("COMMIT");
		return result;
	} catch (error) {
		await client.query("ROLLBACK");
		throw error;
	} finally {
		await client.end();
	}
}

describe.each([
	["PostgreSQL", postgresTarget],
	["PGlite", pgliteTarget]
])("search on %s", (database, start) => {
	let target: Target;
	let reader: Account;
	const ids = new Map<string, string>();

	beforeAll(async () => {
		target = await start();
		const author = await member(target.http, target.databaseUrl, "Search author", 300);
		reader = await member(target.http, target.databaseUrl, "Search reader", 1);
		for (const { key, ...post } of POSTS) ids.set(await ask(target.http, author, post), key);
	}, 120_000);
	afterAll(() => target.stop());

	it("finds posts whatever the accents, case, Unicode form, typos or way of writing a sharp", async () => {
		const found: Record<string, string[]> = {};
		for (const { q, tag, expected } of CASES) {
			const response = await target.http.request("GET", `/api/forum/search?${new URLSearchParams({ q, limit: "50", ...(tag ? { tag } : {}) })}`, { token: reader.token });
			expect(response.status, q).toBe(200);
			// The PostgreSQL database is shared with the other suites: only this suite's posts count.
			const keys = response.body.items.map((item: { id: string }) => ids.get(item.id)).filter((key: string | undefined) => key !== undefined);
			found[`${q}|${tag ?? ""}`] = keys;
			expect([...keys].sort(), `${q} ${tag ?? ""}`).toEqual(expected);
		}
		results.set(database, found);
		if (results.size === 2) expect(results.get("PGlite")).toEqual(results.get("PostgreSQL"));
	});

	it("ranks a title match first and marks the matched words in escaped snippets", async () => {
		const ours = <T extends { id: string }>(items: T[]) => items.filter((item) => ids.has(item.id));
		const response = await target.http.request("GET", "/api/forum/search?q=colle&limit=50", { token: reader.token });
		const [hit] = ours<{ id: string; titleHtml: string; snippetHtml: string }>(response.body.items);
		expect(hit?.titleHtml).toBe("<mark>Collé</mark> bowing at the frog");
		expect(hit?.snippetHtml).toContain("<mark>collé</mark>");
		const strokes = await target.http.request("GET", "/api/forum/search?q=strokes&limit=50", { token: reader.token });
		expect(ids.get(ours(strokes.body.items)[0]!.id)).toBe("detache");
	});

	// The statements of forum_search_posts, forum_corrected_query and forum_similar_titles, which run
	// as the functions' owner because row-level security keeps non-leakproof operators out of index conditions.
	it("uses the GIN indexes: full text, the lexicon's trigrams, the folded title's trigrams and its lexemes", async () => {
		const client = new pg.Client({ connectionString: target.databaseUrl });
		await client.connect();
		try {
			await client.query("BEGIN");
			await client.query(OWNER);
			// Enough words (rolled back afterwards) that a scan of the whole lexicon is not the cheap plan it is for six posts.
			await client.query("INSERT INTO forum_words SELECT md5(n::text) FROM generate_series(1, 20000) AS n ON CONFLICT DO NOTHING");
			await client.query("ANALYZE forum_words");
			await client.query("SET LOCAL enable_seqscan = off");
			const plan = async (sql: string) => (await client.query(`EXPLAIN ${sql}`)).rows.map((row) => Object.values(row)[0]).join("\n");
			expect(await plan("SELECT id FROM forum_posts WHERE search_vector @@ plainto_tsquery('public.forum_search', 'colle bowing')")).toContain("forum_posts_search");
			expect(await plan("SELECT word FROM forum_words WHERE word % 'spicatto'")).toContain("forum_words_trgm");
			expect(await plan("SELECT id FROM forum_posts WHERE forum_fold('spicatto passages') <% forum_fold(title)")).toContain("forum_posts_title_trgm");
			expect(await plan("SELECT id FROM forum_posts WHERE to_tsvector('public.forum_search', forum_fold(title)) @@ plainto_tsquery('public.forum_search', 'spiccato')")).toContain("forum_posts_title_search");
		} finally {
			await client.query("ROLLBACK");
			await client.end();
		}
	});

	it("gives a one-word query the same page whether title matches fill it or not", async () => {
		const author = await member(target.http, target.databaseUrl, "Tier author", 300);
		const word = "ricochetando";
		const posts = [
			{ title: `Ricochetando strokes in the Paganini caprice`, body: `A ricochetando that bounces twice, then a ricochetando that bounces four times.` },
			{ title: `Ricochetando on the E string`, body: "Where on the bow does this start for you?" },
			{ title: "Bouncing strokes with a heavy bow", body: `My ricochetando and my ricochetando and my ricochetando all sound the same.` }
		];
		const ids: string[] = [];
		for (const post of posts) ids.push(await ask(target.http, author, { ...post, tags: ["bowing"] }));
		const page = async (limit: number) =>
			(await target.http.request("GET", `/api/forum/search?${new URLSearchParams({ q: word, limit: String(limit) })}`, { token: reader.token })).body.items.map((item: { id: string }) => item.id);
		const everything = await page(50);
		expect(everything).toEqual(ids);
		for (const limit of [1, 2, 3]) expect(await page(limit)).toEqual(everything.slice(0, limit));
	});

	it("corrects a typo to a new post's word as soon as the post exists, and forgets the word with the last post that held it", async () => {
		const search = async (q: string) => (await target.http.request("GET", `/api/forum/search?${new URLSearchParams({ q, limit: "50" })}`, { token: reader.token })).body;
		const author = await member(target.http, target.databaseUrl, "Lexicon author", 300);
		expect((await search("flageolett")).query).toBe("flageolett");
		const id = await ask(target.http, author, { title: "Flageolet tones on the D string", body: "Natural flageolet tones crack near the chalumeau end of the bow.", tags: ["tone"] });
		const found = await search("flageolett");
		expect(found.query).toBe("flageolet");
		expect(found.items.map((item: { id: string }) => item.id)).toContain(id);

		// An edit takes the words it drops out of the lexicon and brings in those it adds.
		const counts = () =>
			asOwner(target.databaseUrl, async (client) =>
				Object.fromEntries((await client.query<{ word: string; posts: number }>("SELECT word, posts FROM forum_words WHERE word IN ('flageolet', 'chalumeau', 'sulponticello')")).rows.map((row) => [row.word, row.posts]))
			);
		expect(await counts()).toEqual({ flageolet: 1, chalumeau: 1 });
		const edited = await target.http.request("PATCH", `/api/forum/posts/${id}`, { token: author.token, body: { body: "Natural harmonics crack when I play sulponticello near the bridge." } });
		expect(edited.status).toBe(200);
		expect(await counts()).toEqual({ flageolet: 1, sulponticello: 1 });

		expect((await target.http.request("DELETE", `/api/forum/posts/${id}`, { token: author.token })).status).toBe(204);
		expect(await counts()).toEqual({});
		const gone = await search("flageolett");
		expect(gone.query).toBe("flageolett");
		expect(gone.items.map((item: { id: string }) => item.id)).not.toContain(id);
	});

	it("takes a held post's words into the lexicon and the results only when a moderator approves it", async () => {
		const search = async (q: string) => (await target.http.request("GET", `/api/forum/search?${new URLSearchParams({ q, limit: "50" })}`, { token: reader.token })).body;
		const wordCount = () =>
			asOwner(target.databaseUrl, async (client) => (await client.query<{ posts: number }>("SELECT posts FROM forum_words WHERE word = 'portato'")).rows[0]?.posts ?? 0);
		const newcomer = await target.http.register("student", "Newcomer with a link");
		const moderator = await member(target.http, target.databaseUrl, "Search moderator", 300);
		await makeModerator(target.databaseUrl, moderator);
		// A first-day account's post with a link waits for review.
		const held = await target.http.request("POST", "/api/forum/posts", {
			token: newcomer.token,
			body: { title: "Portato strokes in slow movements", body: "My portato sounds choppy; see https://example.org/portato for a clip.", tags: ["bowing"] }
		});
		expect(held.body.status).toBe("pending");
		expect(await wordCount()).toBe(0);
		const before = await search("portatto");
		expect(before.query).toBe("portatto");
		expect(before.items.map((item: { id: string }) => item.id)).not.toContain(held.body.id);

		const decision = { itemType: "post", itemId: held.body.id, action: "approve" };
		expect((await target.http.request("POST", "/api/forum/moderation/decisions", { token: moderator.token, body: decision })).body.status).toBe("visible");
		expect(await wordCount()).toBe(1);
		const after = await search("portatto");
		expect(after.query).toBe("portato");
		expect(after.items.map((item: { id: string }) => item.id)).toContain(held.body.id);
	});

	it("serves hot from stored ranks: a vote re-ranks at once, and after a refresh the order is the computed rank's", async () => {
		const tag = `hot-${Date.now().toString(36)}`;
		const author = await member(target.http, target.databaseUrl, "Hot author", 300);
		const voters = await members(target.http, target.databaseUrl, "Hot voter", 3, 50);
		const ages = [1, 30, 24 * 6, 24 * 40];
		const votes = [0, 3, 2, 3];
		const ids: string[] = [];
		for (const [index, ageHours] of ages.entries()) {
			const id = await ask(target.http, author, { title: `Hot ranking case number ${index}`, body: "A question for the hot feed's ranking test.", tags: [tag] });
			for (const voter of voters.slice(0, votes[index])) await target.http.request("PUT", `/api/forum/votes/post/${id}`, { token: voter.token, body: { value: 1 } });
			await asOwner(target.databaseUrl, (client) => client.query("UPDATE forum_posts SET created_at = now() - make_interval(hours => $2) WHERE id = $1", [id, ageHours]));
			ids.push(id);
		}
		const hot = async () => (await target.http.request("GET", `/api/forum/posts?feed=hot&tag=${tag}`, { token: reader.token })).body.items.map((item: { id: string }) => item.id);
		const computedOrder = (scores: number[]) =>
			ages
				.map((ageHours, index) => ({ id: ids[index]!, ageHours, rank: hotRank(scores[index]!, ageHours) }))
				.filter((post) => post.ageHours < HOT_WINDOW_DAYS * 24)
				.sort((a, b) => b.rank - a.rank)
				.map((post) => post.id);
		expect(await hot()).toEqual(computedOrder(votes));
		expect(await hot()).not.toContain(ids[3]);

		// Ranks as a stale refresh would leave them: upside down.
		const scramble = () => asOwner(target.databaseUrl, (client) => client.query("UPDATE forum_post_ranks SET hot_rank = -hot_rank WHERE post_id = ANY ($1::uuid[])", [ids]));
		await scramble();
		expect(await hot()).toEqual(computedOrder(votes).reverse());
		// A vote ranks its post again in the same transaction.
		const [freshVoter] = await members(target.http, target.databaseUrl, "Hot late voter", 1, 50);
		await target.http.request("PUT", `/api/forum/votes/post/${ids[0]}`, { token: freshVoter!.token, body: { value: 1 } });
		const stored = () =>
			asOwner(target.databaseUrl, async (client) => new Map((await client.query<{ postId: string; hotRank: number }>(`SELECT post_id AS "postId", hot_rank AS "hotRank" FROM forum_post_ranks WHERE post_id = ANY ($1::uuid[])`, [ids])).rows.map((row) => [row.postId, row.hotRank])));
		expect((await stored()).get(ids[0]!)).toBeCloseTo(hotRank(1, ages[0]!), 3);

		await scramble();
		const refreshed: { ranked: number; dropped: number } = await target.node.broker.call("community-ranks.refreshHotRanks");
		expect(refreshed.ranked).toBeGreaterThanOrEqual(3);
		const scores = [1, ...votes.slice(1)];
		expect(await hot()).toEqual(computedOrder(scores));
		const ranks = await stored();
		for (const [index, id] of ids.slice(0, 3).entries()) expect(ranks.get(id)).toBeCloseTo(hotRank(scores[index]!, ages[index]!), 3);
		expect(ranks.has(ids[3]!)).toBe(false);

		await asOwner(target.databaseUrl, async (client) => {
			expect((await client.query("SELECT forum_hot_window() = make_interval(days => $1) AS same", [HOT_WINDOW_DAYS])).rows[0].same).toBe(true);
			await client.query("SET LOCAL enable_seqscan = off");
			const plan = (await client.query("EXPLAIN SELECT post_id FROM forum_post_ranks ORDER BY hot_rank DESC, created_at DESC LIMIT 20")).rows.map((row) => Object.values(row)[0]).join("\n");
			expect(plan).toContain("forum_post_ranks_hot");
		});
	}, 60_000);
});
