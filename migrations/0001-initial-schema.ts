import type { Migration } from "../lib/db/migrator";

/**
 * The whole seed data model, so later services fill tables in rather than invent them.
 * Row-level security guards practice data for the `etude_app` role, which request handlers
 * assume per transaction (see mixins/db.mixin.ts); workers keep the owner's rights.
 */
export const initialSchema: Migration = {
	name: "0001-initial-schema",
	async up(client) {
		await client.query(`
			DO $$ BEGIN
				IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'etude_app') THEN
					CREATE ROLE etude_app NOLOGIN;
				END IF;
			END $$;
			GRANT etude_app TO CURRENT_USER;

			CREATE TYPE user_role AS ENUM ('student', 'teacher', 'admin');
			CREATE TYPE practice_focus AS ENUM (
				'scales', 'etudes', 'repertoire', 'technique', 'sight_reading', 'ear_training', 'improvisation', 'other'
			);

			CREATE TABLE users (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				email text NOT NULL,
				password_hash text NOT NULL,
				role user_role NOT NULL,
				name text NOT NULL,
				timezone text NOT NULL DEFAULT 'UTC',
				a4_hz real NOT NULL DEFAULT 440,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				deleted_at timestamptz
			);
			CREATE UNIQUE INDEX users_email_active ON users (lower(email)) WHERE deleted_at IS NULL;

			CREATE TABLE teachers (
				user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
				bio text NOT NULL DEFAULT '',
				default_tags jsonb NOT NULL DEFAULT '[]'
			);

			CREATE TABLE students (
				user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
				primary_teacher_id uuid REFERENCES users(id) ON DELETE SET NULL,
				level text,
				created_at timestamptz NOT NULL DEFAULT now()
			);

			-- A student may learn from several teachers (piano and theory); the seed's
			-- primary_teacher_id stays as the first link.
			CREATE TABLE teacher_students (
				teacher_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				student_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				linked_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (teacher_id, student_id)
			);
			CREATE INDEX teacher_students_student ON teacher_students (student_id);

			CREATE TABLE teacher_invites (
				code text PRIMARY KEY,
				teacher_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				expires_at timestamptz NOT NULL,
				created_at timestamptz NOT NULL DEFAULT now()
			);

			CREATE TABLE refresh_tokens (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				token_hash text NOT NULL UNIQUE,
				expires_at timestamptz NOT NULL,
				revoked_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

			CREATE TABLE tags (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				owner_id uuid NOT NULL,
				owner_role user_role NOT NULL,
				name text NOT NULL,
				color text NOT NULL,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE UNIQUE INDEX tags_owner_name ON tags (owner_id, lower(name));

			CREATE TABLE practice_sessions (
				id uuid PRIMARY KEY,
				student_id uuid NOT NULL,
				focus practice_focus NOT NULL,
				start_ts timestamptz NOT NULL,
				end_ts timestamptz NOT NULL,
				self_rating smallint CHECK (self_rating BETWEEN 1 AND 5),
				note text NOT NULL DEFAULT '',
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				deleted_at timestamptz,
				CHECK (end_ts > start_ts)
			);
			CREATE INDEX practice_sessions_student_start ON practice_sessions (student_id, start_ts DESC)
				WHERE deleted_at IS NULL;

			CREATE TABLE session_tags (
				session_id uuid NOT NULL REFERENCES practice_sessions(id) ON DELETE CASCADE,
				tag_id uuid NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
				PRIMARY KEY (session_id, tag_id)
			);
			CREATE INDEX session_tags_tag ON session_tags (tag_id);

			CREATE TABLE videos (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				session_id uuid NOT NULL,
				owner_id uuid NOT NULL,
				s3_key text,
				duration_s real,
				processed boolean NOT NULL DEFAULT false,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				deleted_at timestamptz
			);
			CREATE INDEX videos_session ON videos (session_id);

			-- Partitioned by time so old months can be detached or dropped whole; BRIN suits
			-- append-mostly timestamps at a fraction of a B-tree's size.
			CREATE TABLE metrics (
				id bigint GENERATED ALWAYS AS IDENTITY,
				session_id uuid NOT NULL,
				metric_key text NOT NULL,
				metric_val double precision NOT NULL,
				unit text NOT NULL,
				ts timestamptz NOT NULL,
				analyser_version text NOT NULL,
				PRIMARY KEY (id, ts)
			) PARTITION BY RANGE (ts);
			CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;
			CREATE INDEX metrics_ts_brin ON metrics USING brin (ts);
			CREATE INDEX metrics_session_key ON metrics (session_id, metric_key);

			CREATE TABLE feedback (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				teacher_id uuid NOT NULL,
				target_video_id uuid,
				target_session_id uuid,
				video_time_ms integer,
				text text NOT NULL,
				rating smallint,
				created_at timestamptz NOT NULL DEFAULT now(),
				CHECK (target_video_id IS NOT NULL OR target_session_id IS NOT NULL)
			);

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

			CREATE TABLE classes (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				teacher_id uuid NOT NULL,
				student_id uuid,
				starts_at timestamptz NOT NULL,
				ends_at timestamptz NOT NULL,
				title text NOT NULL DEFAULT '',
				notes text NOT NULL DEFAULT '',
				remind_minutes_before integer,
				created_at timestamptz NOT NULL DEFAULT now(),
				CHECK (ends_at > starts_at)
			);
			CREATE INDEX classes_teacher_start ON classes (teacher_id, starts_at);

			GRANT SELECT, INSERT, UPDATE, DELETE ON practice_sessions, session_tags, tags TO etude_app;

			ALTER TABLE practice_sessions ENABLE ROW LEVEL SECURITY;
			CREATE POLICY practice_sessions_read ON practice_sessions FOR SELECT TO etude_app
				USING (
					student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid
					OR student_id = ANY (string_to_array(NULLIF(current_setting('etude.readable_students', true), ''), ',')::uuid[])
				);
			CREATE POLICY practice_sessions_insert ON practice_sessions FOR INSERT TO etude_app
				WITH CHECK (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
			CREATE POLICY practice_sessions_update ON practice_sessions FOR UPDATE TO etude_app
				USING (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid)
				WITH CHECK (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
			CREATE POLICY practice_sessions_delete ON practice_sessions FOR DELETE TO etude_app
				USING (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);

			ALTER TABLE session_tags ENABLE ROW LEVEL SECURITY;
			-- The sub-select is itself filtered by practice_sessions' policies.
			CREATE POLICY session_tags_read ON session_tags FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id));
			CREATE POLICY session_tags_write ON session_tags FOR ALL TO etude_app
				USING (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id
					AND s.student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid))
				WITH CHECK (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id
					AND s.student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid));

			ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
			CREATE POLICY tags_read ON tags FOR SELECT TO etude_app USING (true);
			CREATE POLICY tags_write ON tags FOR ALL TO etude_app
				USING (owner_id = NULLIF(current_setting('etude.user_id', true), '')::uuid)
				WITH CHECK (owner_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
		`);
	},
	async down(client) {
		await client.query(`
			DROP TABLE IF EXISTS classes, votes, forum_comments, forum_posts, feedback, metrics, videos,
				session_tags, practice_sessions, tags, refresh_tokens, teacher_invites, teacher_students,
				students, teachers, users CASCADE;
			DROP TYPE IF EXISTS practice_focus, user_role;
		`);
	}
};
