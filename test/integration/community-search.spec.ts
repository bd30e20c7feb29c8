import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { startNode, type EtudeNode } from "../../lib/node";
import { OWNER, ask, member } from "../support/community-fixtures";
import { httpClient, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/**
 * Search, the same cases on PostgreSQL and on the embedded default (PGlite): accents, case,
 * decomposed input, typos, note names with sharps, tags, highlighted snippets, and the GIN
 * indexes the plans use. Both databases must give the same results.
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
	stop(): Promise<void>;
}

async function postgresTarget(): Promise<Target> {
	const api: TestApi = await startTestApi(testDatabaseUrl());
	return { http: httpClient(api.baseUrl), databaseUrl: testDatabaseUrl(), stop: () => api.stop() };
}

async function pgliteTarget(): Promise<Target> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "etude-community-search-"));
	const node: EtudeNode = await startNode(loadConfig({ PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "warn", NAMESPACE: `community-search-${process.pid}` }));
	const api = node.broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } };
	return {
		http: httpClient(`http://127.0.0.1:${api.server.address().port}`),
		databaseUrl: node.databaseUrl!,
		async stop() {
			await node.stop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

const results = new Map<string, unknown>();

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
	it("uses the GIN indexes: full text, the lexicon's trigrams and the folded title's trigrams", async () => {
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
		} finally {
			await client.query("ROLLBACK");
			await client.end();
		}
	});
});
