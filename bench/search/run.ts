// Community search and feeds benchmark, one run, same PostgreSQL: BENCH_POSTS posts (default
// 100 000) written like technique questions (two words of a title and one in eight of a 60-word
// body from a vocabulary of bowing, left-hand and repertoire words with accents and sharps, the
// rest from 20 000 filler words; 1–3 tags, scores and ages spread over a year), 2 000 members;
// the lexicon and the hot ranks follow from the posts (migrations/0016's triggers). Then, over
// loopback HTTP, sequentially:
//  - GET /api/forum/search for four queries (accented, a typo, a sharp, a common word), and
//  - GET /api/forum/posts for the hot, new, top-of-the-week and unanswered feeds and one tag,
// each beside the very same SQL statements (captured from the request) sent to PostgreSQL on bare
// connections, in the same run. Targets: search P50 <= 30 ms, feed P50 <= 20 ms.
// First, the render time of the pathological markdown body (goal: < 100 ms at the size cap).
//   npm run bench:search            (BENCH_POSTS=10000 BENCH_REQUESTS=50 for a quick run)
import os from "node:os";
import pg from "pg";
import { MARKDOWN_MAX_CHARS, renderMarkdown } from "../../lib/markdown";
import { establishedMember } from "../../test/support/community-fixtures";
import { httpClient } from "../../test/support/http-client";
import { percentile, startBenchNode, timedSamples } from "../support/bench-node";
import { baselinePool, captureStatements, replay, replayPlan } from "../support/sql-replay";

const POSTS = Number(process.env.BENCH_POSTS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const TARGETS_MS = { search: 30, feed: 20 };

const WORDS = [
	"collé", "spiccato", "détaché", "martelé", "sautillé", "legato", "bowing", "frog", "tip", "string", "crossing", "vibrato", "shifting",
	"intonation", "scale", "arpeggio", "étude", "Kreutzer", "Ševčík", "Mendelssohn", "Bach", "partita", "sonata", "concerto", "thumb",
	"position", "third", "fifth", "harmonics", "double", "stops", "tone", "rosin", "bridge", "practice", "slow", "metronome", "tempo",
	"F♯", "C#", "B♭", "E flat", "G major", "minor", "fingering", "wrist", "elbow", "shoulder", "relaxed", "tension", "pinky", "cello",
	"viola", "violin", "piano", "pedal", "octaves", "trill", "ornament", "phrase", "dynamics", "crescendo", "sound", "point", "contact"
];
const TAGS = ["bowing", "left-hand", "intonation", "vibrato", "scales", "repertoire", "practice", "tone", "rhythm", "posture"];

async function seed(direct: pg.Client, authorIds: string[]): Promise<void> {
	await direct.query("SELECT setseed(0.42)");
	// A hash of the row number picks words, tags and age: random() would be evaluated once.
	await direct.query(
		`INSERT INTO forum_posts (author_id, kind, title, body_md, body_html, body_text, tags, instrument, score, answer_count, created_at, last_activity_at)
		 SELECT ($1::uuid[])[1 + n % cardinality($1::uuid[])],
		   CASE WHEN n % 5 = 0 THEN 'discussion' ELSE 'question' END,
		   t.title, t.body, '<p>' || t.body || '</p>', t.body, t.tags,
		   (ARRAY['violin','viola','cello','piano'])[1 + n % 4],
		   (abs(hashtext(n::text || 's')) % 40) - 5, abs(hashtext(n::text || 'a')) % 4,
		   now() - make_interval(secs => abs(hashtext(n::text || 't')) % (365 * 86400)),
		   now() - make_interval(secs => abs(hashtext(n::text || 't')) % (365 * 86400))
		 FROM generate_series(1, $2::int) AS n
		 CROSS JOIN LATERAL (
		   SELECT
		     (SELECT string_agg(CASE WHEN k <= 2 THEN ($3::text[])[1 + abs(hashtext(n::text || 'w' || k)) % cardinality($3::text[])]
		        ELSE 'word' || abs(hashtext(n::text || 'f' || k)) % 20000 END, ' ') FROM generate_series(1, 6) AS k) AS title,
		     (SELECT string_agg(CASE WHEN k % 8 = 0 THEN ($3::text[])[1 + abs(hashtext(n::text || 'b' || k)) % cardinality($3::text[])]
		        ELSE 'word' || abs(hashtext(n::text || 'f' || k)) % 20000 END, ' ') FROM generate_series(1, 60) AS k) AS body,
		     ARRAY(SELECT DISTINCT ($4::text[])[1 + abs(hashtext(n::text || 'g' || k)) % cardinality($4::text[])] FROM generate_series(1, 1 + n % 3) AS k) AS tags
		 ) t`,
		[authorIds, POSTS, WORDS, TAGS]
	);
	// The lexicon and the hot ranks are the triggers' work (migrations/0016), as for every post.
	await direct.query("ANALYZE forum_posts; ANALYZE forum_words; ANALYZE forum_post_ranks; ANALYZE forum_members");
}

function report(title: string, statementCount: number, ours: number[], bare: number[], targetMs: number): void {
	console.log(`\n${title} (${statementCount} SQL statements per request), ${REQUESTS} sequential requests`);
	console.log("                                      | P50 ms | P99 ms");
	console.log("--------------------------------------|--------|-------");
	console.log(`etude over loopback HTTP              | ${percentile(ours, 0.5).toFixed(2).padStart(6)} | ${percentile(ours, 0.99).toFixed(2).padStart(6)}`);
	console.log(`baseline: the same SQL, bare pg       | ${percentile(bare, 0.5).toFixed(2).padStart(6)} | ${percentile(bare, 0.99).toFixed(2).padStart(6)}`);
	console.log(`target P50 <= ${targetMs} ms: ${percentile(ours, 0.5) <= targetMs ? "meets" : "misses"}; ours/baseline P50 ${(percentile(ours, 0.5) / percentile(bare, 0.5)).toFixed(2)}`);
}

/**
 * The pathological body of CVE-2026-2327 (a URL, then a run of asterisks) at the largest size the
 * routes accept, and at 70 000 characters, which they refuse (422) before rendering.
 */
async function renderTimes(): Promise<void> {
	console.log("\nmarkdown render of a URL followed by asterisks, 20 renders after 10 warm-ups | P50 ms | max ms");
	for (const length of [MARKDOWN_MAX_CHARS, 70_000]) {
		const body = `https://example.org ${"*".repeat(length - 20)}`;
		const samples = (await timedSamples(20, async () => renderMarkdown(body)));
		console.log(`${length.toLocaleString("en")} characters${length > MARKDOWN_MAX_CHARS ? " (refused by the routes)" : ""} | ${percentile(samples, 0.5).toFixed(1)} | ${samples.at(-1)!.toFixed(1)}`);
	}
}

async function main(): Promise<void> {
	await renderTimes();
	const { baseUrl, databaseUrl, stop } = await startBenchNode("search");
	const direct = new pg.Client({ connectionString: databaseUrl });
	await direct.connect();
	const pool = baselinePool(databaseUrl);
	try {
		const http = httpClient(baseUrl);
		const reader = await http.register("student", "bench reader");
		await establishedMember(databaseUrl, reader, 100, "bench reader");
		await direct.query(
			`INSERT INTO forum_members (user_id, display_name, account_created_at, reputation)
			 SELECT gen_random_uuid(), 'Member ' || n, now() - interval '1 year', 1 + n % 3000 FROM generate_series(1, 2000) AS n`
		);
		const authorIds = (await direct.query<{ id: string }>("SELECT user_id AS id FROM forum_members")).rows.map((row) => row.id);
		const started = performance.now();
		await seed(direct, authorIds);
		const counts = (await direct.query("SELECT (SELECT count(*) FROM forum_posts) AS posts, (SELECT count(*) FROM forum_words) AS words, (SELECT count(*) FROM forum_post_ranks) AS ranked, pg_size_pretty(pg_total_relation_size('forum_posts')) AS size")).rows[0];
		console.log(`\nload average of the machine: ${os.loadavg().map((load) => load.toFixed(1)).join(", ")} on ${os.cpus().length} cores`);
		console.log(`Search benchmark: ${counts.posts} posts (${counts.size} with indexes), ${counts.words} lexicon words, ${counts.ranked} posts in the hot window, ${authorIds.length} members (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

		const headers = { authorization: `Bearer ${reader.token}` };
		const get = async (route: string) => {
			const response = await fetch(`${baseUrl}${route}`, { headers });
			const body = await response.json();
			if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
			return body;
		};
		const routes: Array<[string, string, keyof typeof TARGETS_MS]> = [
			["search: colle bowing (accents)", `/api/forum/search?q=${encodeURIComponent("colle bowing")}`, "search"],
			["search: spicatto (typo)", "/api/forum/search?q=spicatto", "search"],
			["search: F# scale (a sharp)", `/api/forum/search?q=${encodeURIComponent("F# scale")}`, "search"],
			["search: vibrato, tag left-hand", "/api/forum/search?q=vibrato&tag=left-hand", "search"],
			["feed: hot", "/api/forum/posts?feed=hot", "feed"],
			["feed: new", "/api/forum/posts?feed=new", "feed"],
			["feed: top of the week", "/api/forum/posts?feed=top&period=week", "feed"],
			["feed: unanswered", "/api/forum/posts?feed=unanswered", "feed"],
			["feed: new, tag vibrato", "/api/forum/posts?feed=new&tag=vibrato", "feed"]
		];
		for (const [title, route, kind] of routes) {
			const body = (await get(route)) as { items: unknown[] };
			const statements = await captureStatements(() => get(route));
			const ours = await timedSamples(REQUESTS, () => get(route));
			const plan = replayPlan(statements);
			const bare = await timedSamples(REQUESTS, () => replay(pool, plan));
			report(`${title}: GET ${route} (${body.items.length} items)`, statements.length, ours, bare, TARGETS_MS[kind]);
		}
	} finally {
		await pool.end();
		await direct.end();
		await stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
