import type { Migration } from "../lib/db/migrator";

/** The community services (whose writes to posts the triggers below follow) and the worker that refreshes hot ranks. */
const RANK_WRITERS = "etude_acting_system() IN ('community', 'community-moderation', 'community-ranks')";
/** The GIN indexes 0009 made (with pending lists). */
const GIN_INDEXES = ["forum_posts_search", "forum_posts_title_trgm", "forum_posts_tags", "forum_words_trgm"];

/**
 * Search and the hot feed at 100 000 posts (issue 11; bench/search/run.ts measures them).
 *
 * - **Search vectors stay in the row** (`STORAGE MAIN`): a post's vector (~1 kB) used to be moved
 *   to the TOAST table with the bodies, so ranking the 13 000 posts of a common word fetched three
 *   TOAST pages for each. Now the bodies go out of line first and ts_rank reads the heap row only.
 *   Existing rows are written again so that they move too.
 * - **GIN indexes without a pending list** (`fastupdate = off`): entries added since the last
 *   vacuum sat in an unsorted list that every search read through (14 ms for one trigram lookup in
 *   the lexicon after a bulk load) and that made the planner scan the lexicon instead. A forum reads
 *   far more than it writes; each post now updates its index entries at once.
 * - **Fewer rows ranked**: `forum_search_posts` (a SQL function, planned once for any arguments)
 *   had `tag IS NULL OR tags @> …`, which no index can answer; it now plans the statement for its
 *   arguments, so the tag's GIN index narrows the matches before ranking. For a one-word query it
 *   ranks the posts with the word in the title first (their own GIN index): they outrank every
 *   other match, so when they fill the page nothing else is ranked (same results, tested).
 * - **The lexicon counts** the visible posts each word is in (`forum_words.posts`), kept by a
 *   statement trigger on `forum_posts` in the writing transaction: a new post's words correct typos
 *   at once, a word whose last post is deleted, hidden or edited away leaves. Pending posts count
 *   once approved. Words are locked in one order (a single sorted upsert per statement), so two
 *   writers never wait on each other in a circle.
 * - **Hot ranks are stored** (`forum_post_ranks`: visible posts of the last 30 days, Lemmy's rank
 *   with a btree index), so the hot feed is an index scan. A row trigger ranks a post when it is
 *   created, voted on, re-dated or changes status; the `community-ranks` worker ranks them all
 *   again every minute as they age, and drops those that left the window.
 *
 * Row-level security as in 0009: whoever is signed in reads the ranks (ids and numbers of visible
 * posts, which the feeds show anyway); writes run as the services' system actors.
 */
export const forumSearchSpeedSchema: Migration = {
	name: "0016-forum-search-speed",
	async up(client) {
		await client.query(`
			ALTER TABLE forum_posts ALTER COLUMN search_vector SET STORAGE MAIN;
			-- Rows are stored again with the new storage (the generated vector is computed anew), as the
			-- community, which forum_posts' policies let write (the owner is bound by them too).
			SET LOCAL ROLE etude_app;
			SET LOCAL etude.system_actor = 'community';
			UPDATE forum_posts SET title = title;
			RESET ROLE;
			SET LOCAL etude.system_actor = '';

${GIN_INDEXES.map((index) => `			ALTER INDEX ${index} SET (fastupdate = off);`).join("\n")}
			-- What is already pending moves into the index now (ALTER does not flush it).
			SELECT ${GIN_INDEXES.map((index) => `gin_clean_pending_list('${index}'::regclass)`).join(", ")};

			-- The title's own lexemes, for one-word queries (below).
			CREATE INDEX forum_posts_title_search ON forum_posts USING gin (to_tsvector('public.forum_search', public.forum_fold(title))) WITH (fastupdate = off);

			-- The statement is chosen by the arguments (EXECUTE plans it for them; its text is made of
			-- constants, every value goes through USING): the tag is a condition only when there is
			-- one, so that its GIN index narrows the matches ("tag IS NULL OR tags @> …" can use none).
			-- One lexeme: ts_rank (weights A 1.0 for the title, B 0.4 for the body, no normalisation)
			-- gives a post with the word in its title at least 1/1.645 = 0.61 and any other less than
			-- 0.4·(π²/6)/1.645 = 0.4, so title matches come first, and when they fill the page the
			-- other matches need no ranking (13 000 posts hold "spiccato" in the benchmark, 3 000 in a title).
			CREATE OR REPLACE FUNCTION forum_search_posts(searched text, tag text, max_rows integer)
				RETURNS TABLE (id uuid, rank real) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
			DECLARE
				searched_query tsquery := plainto_tsquery('public.forum_search', searched);
				ranked text := 'SELECT p.id, ts_rank(p.search_vector, $1) AS rank FROM forum_posts p WHERE p.status = ''visible'' AND %s'
					|| CASE WHEN tag IS NULL THEN '' ELSE ' AND p.tags @> ARRAY[$3]' END
					|| ' ORDER BY rank DESC, p.score DESC, p.created_at DESC LIMIT $2';
				found integer;
			BEGIN
				IF etude_acting_user() IS NULL THEN
					RETURN;
				END IF;
				IF numnode(searched_query) <> 1 THEN
					RETURN QUERY EXECUTE format(ranked, 'p.search_vector @@ $1') USING searched_query, max_rows, tag;
					RETURN;
				END IF;
				RETURN QUERY EXECUTE format(ranked, 'to_tsvector(''public.forum_search'', forum_fold(p.title)) @@ $1') USING searched_query, max_rows, tag;
				GET DIAGNOSTICS found = ROW_COUNT;
				IF found < max_rows THEN
					RETURN QUERY EXECUTE format(ranked, 'p.search_vector @@ $1 AND NOT p.search_vector @@ $4')
						USING searched_query, max_rows - found, tag, (searched_query::text || ':A')::tsquery;
				END IF;
			END $$;

			-- The words of a post as the lexicon holds them: folded like the search (forum_fold), each once.
			CREATE FUNCTION forum_post_words(title text, body_text text) RETURNS SETOF text
				LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT SET search_path = public AS $$
				SELECT DISTINCT w FROM regexp_split_to_table(forum_fold(title || ' ' || body_text), '[^[:alnum:]]+') AS w
				WHERE length(w) BETWEEN 3 AND 40
			$$;

			ALTER TABLE forum_words ADD COLUMN posts integer NOT NULL DEFAULT 0;

			-- Adds the words of visible posts among new_rows and takes away those among old_rows (rows whose
			-- words and visibility did not change count for neither), then sends the sums in one statement
			-- sorted by word; a word no visible post holds any more leaves the lexicon.
			CREATE FUNCTION forum_words_follow_posts() RETURNS trigger LANGUAGE plpgsql AS $$
			DECLARE
				words text[];
				deltas integer[];
			BEGIN
				IF TG_OP = 'INSERT' THEN
					SELECT array_agg(word ORDER BY word), array_agg(delta ORDER BY word) INTO words, deltas
					FROM (SELECT w AS word, count(*)::int AS delta FROM new_rows n, forum_post_words(n.title, n.body_text) AS w
						WHERE n.status = 'visible' GROUP BY w) s;
				ELSIF TG_OP = 'DELETE' THEN
					SELECT array_agg(word ORDER BY word), array_agg(delta ORDER BY word) INTO words, deltas
					FROM (SELECT w AS word, -count(*)::int AS delta FROM old_rows o, forum_post_words(o.title, o.body_text) AS w
						WHERE o.status = 'visible' GROUP BY w) s;
				ELSE
					SELECT array_agg(word ORDER BY word), array_agg(delta ORDER BY word) INTO words, deltas
					FROM (SELECT c.word, sum(c.delta)::int AS delta FROM (
						SELECT w AS word, 1 AS delta FROM old_rows o JOIN new_rows n ON n.id = o.id, forum_post_words(n.title, n.body_text) AS w
						WHERE n.status = 'visible' AND (o.title, o.body_text, o.status = 'visible') IS DISTINCT FROM (n.title, n.body_text, true)
						UNION ALL
						SELECT w, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id, forum_post_words(o.title, o.body_text) AS w
						WHERE o.status = 'visible' AND (n.title, n.body_text, n.status = 'visible') IS DISTINCT FROM (o.title, o.body_text, true)
					) c GROUP BY c.word HAVING sum(c.delta) <> 0) s;
				END IF;
				IF words IS NULL THEN
					RETURN NULL;
				END IF;
				INSERT INTO forum_words AS f (word, posts) SELECT u.word, u.delta FROM unnest(words, deltas) AS u(word, delta) ORDER BY u.word
				ON CONFLICT (word) DO UPDATE SET posts = f.posts + EXCLUDED.posts;
				DELETE FROM forum_words WHERE word = ANY (words) AND posts <= 0;
				RETURN NULL;
			END $$;
			-- A trigger with transition tables has one event.
			CREATE TRIGGER forum_words_insert AFTER INSERT ON forum_posts REFERENCING NEW TABLE AS new_rows
				FOR EACH STATEMENT EXECUTE FUNCTION forum_words_follow_posts();
			CREATE TRIGGER forum_words_update AFTER UPDATE ON forum_posts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
				FOR EACH STATEMENT EXECUTE FUNCTION forum_words_follow_posts();
			CREATE TRIGGER forum_words_delete AFTER DELETE ON forum_posts REFERENCING OLD TABLE AS old_rows
				FOR EACH STATEMENT EXECUTE FUNCTION forum_words_follow_posts();

			-- Lemmy's hot rank (services/community/rules.ts hotRank), in double precision (extract()
			-- answers numeric, whose power() is slow); a post dated ahead of the clock counts as new.
			CREATE FUNCTION forum_hot_rank(score integer, created_at timestamptz) RETURNS double precision
				LANGUAGE sql STABLE PARALLEL SAFE AS $$
				SELECT ln(greatest(1, 3 + score)) / power(greatest(0, extract(epoch FROM now() - created_at)::float8) / 3600 + 2, 1.8)
			$$;
			-- Hot ranks the posts of this window (rules.ts HOT_WINDOW_DAYS; a test checks they agree).
			CREATE FUNCTION forum_hot_window() RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT interval '30 days' $$;

			CREATE TABLE forum_post_ranks (
				post_id uuid PRIMARY KEY REFERENCES forum_posts(id) ON DELETE CASCADE,
				-- The post's, copied with the rank, so that a refresh reads this row alone (and sees a vote
				-- that commits meanwhile, whose trigger wrote both).
				score integer NOT NULL,
				created_at timestamptz NOT NULL,
				hot_rank double precision NOT NULL,
				ranked_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX forum_post_ranks_hot ON forum_post_ranks (hot_rank DESC, created_at DESC);
			CREATE INDEX forum_post_ranks_created ON forum_post_ranks (created_at);

			CREATE FUNCTION forum_post_ranks_follow_post() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF NEW.status = 'visible' AND NEW.created_at > now() - forum_hot_window() THEN
					INSERT INTO forum_post_ranks AS r (post_id, score, created_at, hot_rank)
					VALUES (NEW.id, NEW.score, NEW.created_at, forum_hot_rank(NEW.score, NEW.created_at))
					ON CONFLICT (post_id) DO UPDATE SET score = EXCLUDED.score, created_at = EXCLUDED.created_at, hot_rank = EXCLUDED.hot_rank, ranked_at = now();
				ELSIF TG_OP = 'UPDATE' THEN
					DELETE FROM forum_post_ranks WHERE post_id = NEW.id;
				END IF;
				RETURN NULL;
			END $$;
			CREATE TRIGGER forum_post_ranks_follow_post AFTER INSERT OR UPDATE OF score, status, created_at ON forum_posts
				FOR EACH ROW EXECUTE FUNCTION forum_post_ranks_follow_post();

			-- Hot used to rank the window from this covering index on every request.
			DROP INDEX forum_posts_hot;

			CREATE POLICY forum_post_ranks_read ON forum_post_ranks FOR SELECT TO etude_app USING (etude_acting_user() IS NOT NULL);
			CREATE POLICY forum_post_ranks_service ON forum_post_ranks FOR ALL TO etude_app USING (${RANK_WRITERS}) WITH CHECK (${RANK_WRITERS});
			ALTER TABLE forum_post_ranks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

			-- The lexicon and the ranks of what is there now, as the community.
			SET LOCAL ROLE etude_app;
			SET LOCAL etude.system_actor = 'community';
			DELETE FROM forum_words;
			INSERT INTO forum_words (word, posts)
			SELECT w, count(*) FROM forum_posts p, forum_post_words(p.title, p.body_text) AS w WHERE p.status = 'visible' GROUP BY w ORDER BY w;
			INSERT INTO forum_post_ranks (post_id, score, created_at, hot_rank)
			SELECT id, score, created_at, forum_hot_rank(score, created_at) FROM forum_posts WHERE status = 'visible' AND created_at > now() - forum_hot_window();
			RESET ROLE;
			SET LOCAL etude.system_actor = '';
		`);
	},
	async down(client) {
		await client.query(`
			DROP TRIGGER IF EXISTS forum_post_ranks_follow_post ON forum_posts;
			DROP TRIGGER IF EXISTS forum_words_insert ON forum_posts;
			DROP TRIGGER IF EXISTS forum_words_update ON forum_posts;
			DROP TRIGGER IF EXISTS forum_words_delete ON forum_posts;
			DROP TABLE IF EXISTS forum_post_ranks;
			DROP INDEX IF EXISTS forum_posts_title_search;
			CREATE INDEX IF NOT EXISTS forum_posts_hot ON forum_posts (created_at DESC) INCLUDE (score, id, author_id, status) WHERE status = 'visible';
			DROP FUNCTION IF EXISTS forum_post_ranks_follow_post(), forum_words_follow_posts(), forum_hot_rank(integer, timestamptz), forum_hot_window(), forum_post_words(text, text);
			ALTER TABLE forum_words DROP COLUMN IF EXISTS posts;
${GIN_INDEXES.map((index) => `			ALTER INDEX ${index} RESET (fastupdate);`).join("\n")}
			ALTER TABLE forum_posts ALTER COLUMN search_vector SET STORAGE EXTENDED;
			-- 0009's definition, word for word (a shipped migration is not edited to share it).
			CREATE OR REPLACE FUNCTION forum_search_posts(searched text, tag text, max_rows integer)
				RETURNS TABLE (id uuid, rank real) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
				SELECT p.id, ts_rank(p.search_vector, plainto_tsquery('public.forum_search', searched)) AS rank
				FROM forum_posts p
				WHERE etude_acting_user() IS NOT NULL AND p.status = 'visible'
				  AND p.search_vector @@ plainto_tsquery('public.forum_search', searched)
				  AND (tag IS NULL OR p.tags @> ARRAY[tag])
				ORDER BY rank DESC, p.score DESC, p.created_at DESC LIMIT max_rows
			$$;
		`);
	}
};
