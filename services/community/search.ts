import type { SearchHit } from "../../contracts/community";

/** Read-only statements under the caller's row-level security. */
type ReadQuery = (sql: string, replacements: Record<string, unknown>) => Promise<object[]>;

// ts_headline returns the document's own text with these around matches: the text is escaped
// first and only they become <mark> (a post holding them itself can add marks, nothing else).
const MARK_START = "\u0002";
const MARK_END = "\u0003";

function escapeHtml(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

export function markedHtml(headline: string): string {
	return escapeHtml(headline).replaceAll(MARK_START, "<mark>").replaceAll(MARK_END, "</mark>");
}

/**
 * The query as searched: folded like the index (forum_fold), and each word of four letters or more
 * that no post contains replaced by the most similar word that one does (pg_trgm similarity on the
 * lexicon's trigram index): "spicatto" → "spiccato". A word no post contains matches nothing, so
 * replacing it loses no result.
 */
async function correctedQuery(query: ReadQuery, text: string): Promise<string> {
	const [row] = (await query(`SELECT forum_corrected_query(:text) AS searched`, { text })) as Array<{ searched: string }>;
	return row?.searched ?? "";
}

type HitRow = Omit<SearchHit, "titleHtml" | "snippetHtml" | "createdAt"> & { titleMarked: string; snippetMarked: string; createdAt: Date };

/**
 * Full-text search over visible posts: the `forum_search` configuration (unaccent, then the English
 * stemmer) on the folded text, ranked by ts_rank (title weighs more than body), then score; the
 * snippets come from the best-ranked rows only; with no match, similar titles. One action other
 * engines could sit behind.
 */
export async function searchPosts(query: ReadQuery, params: { q: string; tag?: string; limit: number }): Promise<{ query: string; items: SearchHit[] }> {
	const searched = await correctedQuery(query, params.q);
	if (searched === "") return { query: searched, items: [] };
	// forum_search_posts finds and ranks (migrations/0009 says why it is a function); the rows
	// themselves are read under the caller's policies, and snippets made for these only.
	const rows = (await query(
		`SELECT p.id, p.kind, p.tags, p.score, p.answer_count AS "answerCount", p.created_at AS "createdAt", s.rank,
		   ts_headline('public.forum_search', p.title, plainto_tsquery('public.forum_search', :searched), 'StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true') AS "titleMarked",
		   ts_headline('public.forum_search', p.body_text, plainto_tsquery('public.forum_search', :searched), 'StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=35, MinWords=15, MaxFragments=2') AS "snippetMarked"
		 FROM forum_search_posts(:searched, :tag, :limit) s JOIN forum_posts p ON p.id = s.id
		 ORDER BY s.rank DESC, p.score DESC, p.created_at DESC`,
		{ searched, tag: params.tag ?? null, limit: params.limit }
	)) as HitRow[];
	const hits = rows.length > 0 ? rows : await similarTitles(query, params);
	return {
		query: searched,
		items: hits.map(({ titleMarked, snippetMarked, createdAt, ...hit }) => ({
			...hit,
			rank: Number(hit.rank),
			titleHtml: markedHtml(titleMarked),
			snippetHtml: markedHtml(snippetMarked),
			createdAt: new Date(createdAt).toISOString()
		}))
	};
}

/**
 * When no post matches every word, titles that resemble the query (pg_trgm word similarity on
 * the folded title, through its trigram index), best first; the matched words are not marked.
 */
async function similarTitles(query: ReadQuery, params: { q: string; tag?: string; limit: number }): Promise<HitRow[]> {
	return (await query(
		`SELECT p.id, p.kind, p.tags, p.score, p.answer_count AS "answerCount", p.created_at AS "createdAt", s.rank,
		   p.title AS "titleMarked", left(p.body_text, 200) AS "snippetMarked"
		 FROM forum_similar_titles(:q, :tag, :limit) s JOIN forum_posts p ON p.id = s.id
		 ORDER BY s.rank DESC, p.score DESC, p.created_at DESC`,
		{ q: params.q, tag: params.tag ?? null, limit: params.limit }
	)) as HitRow[];
}

/** Tags of visible posts, most used first, those starting with the prefix. */
export async function suggestTags(query: ReadQuery, prefix: string): Promise<Array<{ tag: string; posts: number }>> {
	return (await query(
		`SELECT t.tag, count(*)::int AS posts FROM forum_posts p, unnest(p.tags) AS t(tag)
		 WHERE p.status = 'visible' AND starts_with(t.tag, :prefix)
		 GROUP BY t.tag ORDER BY posts DESC, t.tag LIMIT 20`,
		{ prefix }
	)) as Array<{ tag: string; posts: number }>;
}
