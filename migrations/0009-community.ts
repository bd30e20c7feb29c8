import type { Migration } from "../lib/db/migrator";

/** The community API and its moderation service, doing their own work. */
const SERVICE_ACTORS = "etude_acting_system() IN ('community', 'community-moderation')";
const TABLES = [
	"forum_members",
	"forum_moderators",
	"forum_posts",
	"forum_comments",
	"forum_post_revisions",
	"forum_votes",
	"forum_reputation_events",
	"forum_flags",
	"forum_moderation_log",
	"forum_words"
];

/**
 * The community (services/community): questions and discussions with answers and threaded
 * comments, votes, an append-only reputation ledger, flags and a moderation log, replacing the
 * seed's empty, locked `forum_posts`, `forum_comments` and `votes`.
 *
 * Search: a text search configuration that unaccents before it stems (`forum_search`), and
 * `forum_fold`, the IMMUTABLE normaliser every search expression goes through — NFC (a decomposed
 * "e" + U+0301 becomes "é"), note names with ♯/#/sharp and ♭/b/flat as one word ("F♯", "F#",
 * "F sharp" → "fsharp"), lower case, unaccent through 0006's IMMUTABLE wrapper `etude_unaccent`
 * (`unaccent()` itself is only STABLE); the bodies name their schema because index builds run
 * with a restricted search_path.
 * `forum_words` is the lexicon of folded words, with a trigram index, to correct typos.
 *
 * Policies: whoever is signed in reads what is visible (and tombstones); authors and moderators
 * also read what is pending or hidden; one's own votes, flags and reputation events are one's own;
 * every write runs as the services' system actors, which enforce the rules.
 */
export const communitySchema: Migration = {
	name: "0009-community",
	async up(client) {
		await client.query(`
			DROP TABLE votes, forum_comments, forum_posts;

			CREATE TEXT SEARCH CONFIGURATION public.forum_search (COPY = pg_catalog.english);
			ALTER TEXT SEARCH CONFIGURATION public.forum_search
				ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, english_stem;

			CREATE FUNCTION public.forum_fold(text) RETURNS text
				LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
				AS $$ SELECT public.etude_unaccent(lower(
					regexp_replace(regexp_replace(regexp_replace(normalize($1, NFC),
						'\\m([A-Ga-g])\\s*(♯|#|sharp\\M)', '\\1sharp', 'gi'),
						'\\m([A-Ga-g])\\s*(♭|flat\\M)', '\\1flat', 'gi'),
						'\\m([A-G])b\\M', '\\1flat', 'g'))) $$;

			CREATE TABLE forum_members (
				user_id uuid PRIMARY KEY,
				display_name text NOT NULL,
				-- The account's own age (auth), for first-day limits.
				account_created_at timestamptz NOT NULL,
				-- Cached: 1 + the sum of the ledger's applied amounts (recomputable, tested).
				reputation integer NOT NULL DEFAULT 1 CHECK (reputation >= 1),
				silenced_until timestamptz,
				banned_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);

			CREATE TABLE forum_moderators (
				user_id uuid PRIMARY KEY,
				-- Who made them one: a moderator's id, or 'cli' for scripts/make-moderator.ts.
				granted_by text NOT NULL,
				granted_at timestamptz NOT NULL DEFAULT now()
			);

			CREATE TABLE forum_posts (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				-- NULL once the author's account is purged (the post stays as an anonymous tombstone).
				author_id uuid,
				kind text NOT NULL CHECK (kind IN ('question', 'discussion')),
				title text NOT NULL,
				body_md text NOT NULL,
				body_html text NOT NULL,
				body_text text NOT NULL,
				tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 5),
				instrument text,
				status text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'pending', 'hidden', 'deleted')),
				score integer NOT NULL DEFAULT 0,
				answer_count integer NOT NULL DEFAULT 0,
				accepted_answer_id uuid,
				flag_weight numeric NOT NULL DEFAULT 0,
				revision integer NOT NULL DEFAULT 1,
				search_vector tsvector GENERATED ALWAYS AS (
					setweight(to_tsvector('public.forum_search', public.forum_fold(title)), 'A') ||
					setweight(to_tsvector('public.forum_search', public.forum_fold(body_text)), 'B')
				) STORED,
				deleted_at timestamptz,
				last_activity_at timestamptz NOT NULL DEFAULT now(),
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX forum_posts_search ON forum_posts USING gin (search_vector);
			CREATE INDEX forum_posts_title_trgm ON forum_posts USING gin (public.forum_fold(title) gin_trgm_ops);
			CREATE INDEX forum_posts_tags ON forum_posts USING gin (tags);
			CREATE INDEX forum_posts_new ON forum_posts (created_at DESC, id) WHERE status = 'visible';
			-- Hot ranks the last 30 days from score and age alone: covering, so the rank of thousands of
			-- posts is computed from the index (the columns row-level security reads included).
			CREATE INDEX forum_posts_hot ON forum_posts (created_at DESC) INCLUDE (score, id, author_id, status) WHERE status = 'visible';
			CREATE INDEX forum_posts_top ON forum_posts (score DESC, created_at DESC) WHERE status = 'visible';
			CREATE INDEX forum_posts_unanswered ON forum_posts (created_at DESC) WHERE status = 'visible' AND kind = 'question' AND answer_count = 0;
			CREATE INDEX forum_posts_author ON forum_posts (author_id, created_at);

			CREATE TABLE forum_comments (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				post_id uuid NOT NULL REFERENCES forum_posts(id) ON DELETE CASCADE,
				parent_id uuid REFERENCES forum_comments(id) ON DELETE CASCADE,
				-- A top-level reply to a question is an answer; everything else a comment.
				kind text NOT NULL CHECK (kind IN ('answer', 'comment')),
				depth smallint NOT NULL CHECK (depth BETWEEN 1 AND 6),
				author_id uuid,
				body_md text NOT NULL,
				body_html text NOT NULL,
				status text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'pending', 'hidden', 'deleted')),
				score integer NOT NULL DEFAULT 0,
				flag_weight numeric NOT NULL DEFAULT 0,
				deleted_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				CHECK ((parent_id IS NULL) = (depth = 1))
			);
			CREATE INDEX forum_comments_post ON forum_comments (post_id, score DESC, created_at, id);
			CREATE INDEX forum_comments_author ON forum_comments (author_id, created_at);
			ALTER TABLE forum_posts ADD CONSTRAINT forum_posts_accepted_answer
				FOREIGN KEY (accepted_answer_id) REFERENCES forum_comments(id) ON DELETE SET NULL;

			CREATE TABLE forum_post_revisions (
				post_id uuid NOT NULL REFERENCES forum_posts(id) ON DELETE CASCADE,
				revision integer NOT NULL,
				editor_id uuid,
				title text NOT NULL,
				body_md text NOT NULL,
				tags text[] NOT NULL,
				instrument text,
				created_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (post_id, revision)
			);

			CREATE TABLE forum_votes (
				user_id uuid NOT NULL,
				item_type text NOT NULL CHECK (item_type IN ('post', 'comment')),
				item_id uuid NOT NULL,
				value smallint NOT NULL CHECK (value IN (-1, 1)),
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (user_id, item_type, item_id)
			);
			CREATE INDEX forum_votes_item ON forum_votes (item_type, item_id);

			CREATE TABLE forum_reputation_events (
				id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				user_id uuid NOT NULL,
				kind text NOT NULL CHECK (kind IN ('upvoted', 'downvoted', 'downvote_cast', 'accepted', 'accept_given', 'bonus', 'reversal')),
				-- What the rule gives; 'applied' is what it changed after the daily cap and the floor.
				amount integer NOT NULL,
				applied integer NOT NULL,
				-- The post or comment the event is about: deleting it reverses the event.
				item_type text CHECK (item_type IN ('post', 'comment')),
				item_id uuid,
				-- What caused it: a vote (vote:<voter>:<type>:<id>) or an accept (accept:<post id>).
				source_key text NOT NULL,
				reverses_id bigint UNIQUE REFERENCES forum_reputation_events(id) ON DELETE CASCADE,
				created_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX forum_reputation_events_user ON forum_reputation_events (user_id, id);
			CREATE INDEX forum_reputation_events_item ON forum_reputation_events (item_id);
			CREATE INDEX forum_reputation_events_source ON forum_reputation_events (source_key);
			CREATE FUNCTION forum_reputation_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'forum_reputation_events is append-only: reverse an event with a new one'; END $$;
			CREATE TRIGGER forum_reputation_events_append_only BEFORE UPDATE ON forum_reputation_events
				FOR EACH ROW EXECUTE FUNCTION forum_reputation_events_append_only();

			CREATE TABLE forum_flags (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				item_type text NOT NULL CHECK (item_type IN ('post', 'comment')),
				item_id uuid NOT NULL,
				flagger_id uuid NOT NULL,
				reason text NOT NULL CHECK (reason IN ('spam', 'offensive', 'off_topic', 'other')),
				note text NOT NULL DEFAULT '',
				weight numeric NOT NULL,
				resolution text CHECK (resolution IN ('agreed', 'disagreed')),
				resolved_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now(),
				UNIQUE (flagger_id, item_type, item_id)
			);
			CREATE INDEX forum_flags_open ON forum_flags (item_type, item_id) WHERE resolved_at IS NULL;

			CREATE TABLE forum_moderation_log (
				id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				-- NULL for the system (a post hidden by flags, a moderator made on the command line).
				moderator_id uuid,
				action text NOT NULL,
				item_type text,
				item_id uuid,
				target_user_id uuid,
				note text NOT NULL DEFAULT '',
				created_at timestamptz NOT NULL DEFAULT now()
			);

			CREATE TABLE forum_words (word text PRIMARY KEY);
			CREATE INDEX forum_words_trgm ON forum_words USING gin (word gin_trgm_ops);

			CREATE FUNCTION etude_is_forum_moderator() RETURNS boolean LANGUAGE sql STABLE
				AS $$ SELECT EXISTS (SELECT 1 FROM public.forum_moderators m WHERE m.user_id = public.etude_acting_user()) $$;

			CREATE POLICY forum_members_read ON forum_members FOR SELECT TO etude_app USING (etude_acting_user() IS NOT NULL);
			CREATE POLICY forum_moderators_read ON forum_moderators FOR SELECT TO etude_app USING (etude_acting_user() IS NOT NULL);
			CREATE POLICY forum_posts_read ON forum_posts FOR SELECT TO etude_app
				USING (etude_acting_user() IS NOT NULL
					AND (status IN ('visible', 'deleted') OR author_id = etude_acting_user() OR etude_is_forum_moderator()));
			-- The sub-selects are filtered by forum_posts' own policies.
			CREATE POLICY forum_comments_read ON forum_comments FOR SELECT TO etude_app
				USING (etude_acting_user() IS NOT NULL
					AND (status IN ('visible', 'deleted') OR author_id = etude_acting_user() OR etude_is_forum_moderator())
					AND EXISTS (SELECT 1 FROM forum_posts p WHERE p.id = post_id));
			CREATE POLICY forum_post_revisions_read ON forum_post_revisions FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM forum_posts p WHERE p.id = post_id AND p.status <> 'deleted'));
			CREATE POLICY forum_votes_own ON forum_votes FOR SELECT TO etude_app USING (user_id = etude_acting_user());
			CREATE POLICY forum_reputation_events_own ON forum_reputation_events FOR SELECT TO etude_app USING (user_id = etude_acting_user());
			CREATE POLICY forum_flags_read ON forum_flags FOR SELECT TO etude_app
				USING (flagger_id = etude_acting_user() OR etude_is_forum_moderator());
			-- The lexicon holds words, not who wrote them: search reads it to correct typos.
			CREATE POLICY forum_words_read ON forum_words FOR SELECT TO etude_app USING (etude_acting_user() IS NOT NULL);
			CREATE POLICY forum_moderation_log_read ON forum_moderation_log FOR SELECT TO etude_app USING (etude_is_forum_moderator());

			-- Search. Row-level security lets no operator that is not LEAKPROOF (@@, %, <%) become an
			-- index condition, so under the caller's policies every search would scan the table. These
			-- functions run as their owner and apply the same rule themselves: signed in, visible posts
			-- only; they return ids and ranks, and the caller reads the rows under its own policies.
			CREATE FUNCTION forum_search_posts(searched text, tag text, max_rows integer)
				RETURNS TABLE (id uuid, rank real) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
				SELECT p.id, ts_rank(p.search_vector, plainto_tsquery('public.forum_search', searched)) AS rank
				FROM forum_posts p
				WHERE etude_acting_user() IS NOT NULL AND p.status = 'visible'
				  AND p.search_vector @@ plainto_tsquery('public.forum_search', searched)
				  AND (tag IS NULL OR p.tags @> ARRAY[tag])
				ORDER BY rank DESC, p.score DESC, p.created_at DESC LIMIT max_rows
			$$;
			CREATE FUNCTION forum_similar_titles(searched text, tag text, max_rows integer)
				RETURNS TABLE (id uuid, rank real) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
				SELECT p.id, word_similarity(forum_fold(searched), forum_fold(p.title)) AS rank
				FROM forum_posts p
				WHERE etude_acting_user() IS NOT NULL AND p.status = 'visible'
				  AND forum_fold(searched) <% forum_fold(p.title)
				  AND (tag IS NULL OR p.tags @> ARRAY[tag])
				ORDER BY rank DESC, p.score DESC, p.created_at DESC LIMIT max_rows
			$$;
			-- Each word of four letters or more that no post contains becomes the most similar word one does.
			CREATE FUNCTION forum_corrected_query(searched text) RETURNS text
				LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
				SELECT coalesce(string_agg(CASE
					WHEN length(q.word) < 4 OR EXISTS (SELECT 1 FROM forum_words w WHERE w.word = q.word) THEN q.word
					ELSE coalesce((SELECT w.word FROM forum_words w WHERE w.word % q.word ORDER BY similarity(w.word, q.word) DESC, w.word LIMIT 1), q.word)
				END, ' ' ORDER BY q.position), '')
				FROM regexp_split_to_table(forum_fold(searched), '[^[:alnum:]]+') WITH ORDINALITY AS q(word, position)
				WHERE q.word <> '' AND etude_acting_user() IS NOT NULL
			$$;
			-- FORCE row-level security applies to the functions' owner too (unless it is a superuser).
			CREATE POLICY forum_posts_search ON forum_posts FOR SELECT TO CURRENT_USER USING (true);
			CREATE POLICY forum_words_search ON forum_words FOR SELECT TO CURRENT_USER USING (true);
			REVOKE ALL ON FUNCTION forum_search_posts(text, text, integer), forum_similar_titles(text, text, integer), forum_corrected_query(text) FROM PUBLIC;
			GRANT EXECUTE ON FUNCTION forum_search_posts(text, text, integer), forum_similar_titles(text, text, integer), forum_corrected_query(text) TO etude_app;

${TABLES.map((table) => `			CREATE POLICY ${table}_service ON ${table} FOR ALL TO etude_app USING (${SERVICE_ACTORS}) WITH CHECK (${SERVICE_ACTORS});`).join("\n")}

${TABLES.map((table) => `			ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`).join("\n")}
		`);
	},
	async down(client) {
		await client.query(`
			DROP TABLE IF EXISTS forum_words, forum_moderation_log, forum_flags, forum_reputation_events, forum_votes,
				forum_post_revisions, forum_comments, forum_posts, forum_moderators, forum_members CASCADE;
			DROP FUNCTION IF EXISTS forum_search_posts(text, text, integer), forum_similar_titles(text, text, integer), forum_corrected_query(text);
			DROP FUNCTION IF EXISTS etude_is_forum_moderator(), forum_reputation_events_append_only(), public.forum_fold(text);
			DROP TEXT SEARCH CONFIGURATION IF EXISTS public.forum_search;
			CREATE TABLE forum_posts (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				author_id uuid NOT NULL,
				title text NOT NULL,
				body_md text NOT NULL,
				is_question boolean NOT NULL DEFAULT true,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE TABLE forum_comments (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				post_id uuid NOT NULL REFERENCES forum_posts(id) ON DELETE CASCADE,
				author_id uuid NOT NULL,
				body_md text NOT NULL,
				parent_id uuid REFERENCES forum_comments(id) ON DELETE CASCADE,
				created_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE TABLE votes (
				user_id uuid NOT NULL,
				comment_id uuid NOT NULL REFERENCES forum_comments(id) ON DELETE CASCADE,
				value smallint NOT NULL CHECK (value IN (-1, 1)),
				PRIMARY KEY (user_id, comment_id)
			);
			ALTER TABLE forum_posts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
			ALTER TABLE forum_comments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
			ALTER TABLE votes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
		`);
	}
};
