import type { Migration } from "../lib/db/migrator";

/**
 * The teacher toolkit (services/teaching/): feedback on recordings and sessions, weekly goals,
 * assignments and the sessions linked to them, and a practice focus on tags.
 *
 * - `feedback` replaces the seed's locked table (it never held rows): a pin sits on a video at a
 *   time in the recording (`t_ms`, optionally a range to `end_t_ms`), a session note on a session,
 *   a reply under either (one level). Raw markdown and its rendered HTML are stored together.
 *   The student whose recording it is and their linked teachers read it; only its author changes it.
 * - `weekly_goals`: one per teacher and student. `assignments` + `assignment_sessions`.
 * - Tags gain an optional `focus`, and an accent-insensitive trigram index on their names for the
 *   log form's suggestions: `unaccent()` is only STABLE, so the index goes through an IMMUTABLE
 *   wrapper, `etude_unaccent(text)` (created or replaced, so another migration may define it too).
 * - Three indexes serve the roster's batched reads: a student's newest analysed recording, their
 *   metric rollups by metric, and their recent failed recordings.
 */
export const teachingSchema: Migration = {
	name: "0006-teaching",
	async up(client) {
		await client.query(`
			CREATE EXTENSION IF NOT EXISTS pg_trgm;
			CREATE EXTENSION IF NOT EXISTS unaccent;
			-- NFC first, so a decomposed "e" + U+0301 (macOS input) folds like a precomposed "é".
			CREATE OR REPLACE FUNCTION etude_unaccent(text) RETURNS text
				LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
				AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, normalize($1, NFC)) $$;

			DROP TABLE feedback;
			CREATE TYPE feedback_kind AS ENUM ('pin', 'session', 'reply');
			CREATE TABLE feedback (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				kind feedback_kind NOT NULL,
				-- Whose recording or session it is about: the row-level security key.
				student_id uuid NOT NULL,
				session_id uuid NOT NULL,
				-- Set on pins and on replies to pins, so a video's whole thread is one index range.
				video_id uuid,
				parent_id uuid REFERENCES feedback(id) ON DELETE CASCADE,
				author_id uuid NOT NULL,
				author_role user_role NOT NULL,
				t_ms integer CHECK (t_ms >= 0),
				end_t_ms integer,
				body_md text NOT NULL,
				body_html text NOT NULL,
				drawing jsonb,
				metric_key text,
				metric_value double precision,
				metric_unit text,
				rating smallint CHECK (rating BETWEEN 1 AND 5),
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				CHECK ((kind = 'pin') = (t_ms IS NOT NULL)),
				CHECK (kind <> 'pin' OR video_id IS NOT NULL),
				CHECK ((kind = 'reply') = (parent_id IS NOT NULL)),
				CHECK (end_t_ms IS NULL OR end_t_ms > t_ms),
				CHECK (kind = 'session' OR rating IS NULL),
				CHECK (kind = 'pin' OR (drawing IS NULL AND metric_key IS NULL))
			);
			CREATE INDEX feedback_video ON feedback (video_id, t_ms) WHERE video_id IS NOT NULL;
			CREATE INDEX feedback_session ON feedback (session_id, created_at);
			CREATE INDEX feedback_parent ON feedback (parent_id) WHERE parent_id IS NOT NULL;
			CREATE INDEX feedback_student ON feedback (student_id);
			CREATE INDEX feedback_author ON feedback (author_id);

			CREATE TABLE weekly_goals (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				teacher_id uuid NOT NULL,
				student_id uuid NOT NULL,
				minutes_per_week integer CHECK (minutes_per_week BETWEEN 1 AND 10080),
				days_per_week smallint CHECK (days_per_week BETWEEN 1 AND 7),
				focus practice_focus,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				UNIQUE (teacher_id, student_id),
				CHECK (minutes_per_week IS NOT NULL OR days_per_week IS NOT NULL)
			);
			CREATE INDEX weekly_goals_student ON weekly_goals (student_id);

			CREATE TABLE assignments (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				teacher_id uuid NOT NULL,
				student_id uuid NOT NULL,
				title text NOT NULL,
				notes_md text NOT NULL DEFAULT '',
				notes_html text NOT NULL DEFAULT '',
				focus practice_focus,
				-- Tags belong to the tags service; these are references it validated.
				tag_ids uuid[] NOT NULL DEFAULT '{}',
				target_tempo_bpm smallint CHECK (target_tempo_bpm BETWEEN 20 AND 400),
				-- A calendar day of the student: it ends at 23:59:59 in their zone, whatever zone that is when asked.
				due_date date NOT NULL,
				done_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX assignments_student_due ON assignments (student_id, due_date);
			CREATE INDEX assignments_teacher_open ON assignments (teacher_id, student_id) WHERE done_at IS NULL;

			CREATE TABLE assignment_sessions (
				assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
				session_id uuid NOT NULL,
				student_id uuid NOT NULL,
				linked_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (assignment_id, session_id)
			);
			CREATE INDEX assignment_sessions_session ON assignment_sessions (session_id);

			ALTER TABLE tags ADD COLUMN focus practice_focus;
			-- Teachers' tags are offered to students, but only to a query that names who is asking.
			DROP POLICY tags_read ON tags;
			CREATE POLICY tags_read ON tags FOR SELECT TO etude_app
				USING (owner_id = etude_acting_user() OR (owner_role = 'teacher' AND etude_acting_user() IS NOT NULL));
			CREATE INDEX tags_name_trgm ON tags USING gin (etude_unaccent(lower(name)) gin_trgm_ops);

			CREATE INDEX metric_analyses_student_done ON metric_analyses (student_id, recorded_at DESC) WHERE status = 'done';
			-- Two weeks of a few metrics per student as index-only range scans (the primary key orders by hour first).
			CREATE INDEX metric_rollups_hourly_student_metric ON metric_rollups_hourly (student_id, metric_key, hour_start) INCLUDE (value_sum, value_count);
			CREATE INDEX videos_failed_owner ON videos (owner_id, updated_at DESC) WHERE state = 'failed' AND deleted_at IS NULL;

			-- Feedback: the student and their linked teachers read; the author writes, and only about
			-- a student they may read; the feedback service's own work (purges) runs as 'feedback'.
			CREATE POLICY feedback_read ON feedback FOR SELECT TO etude_app
				USING (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students()));
			CREATE POLICY feedback_author ON feedback FOR ALL TO etude_app
				USING (author_id = etude_acting_user())
				WITH CHECK (author_id = etude_acting_user() AND (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students())));
			CREATE POLICY feedback_service ON feedback FOR ALL TO etude_app
				USING (etude_acting_system() = 'feedback') WITH CHECK (etude_acting_system() = 'feedback');

			-- Goals and assignments: the student reads theirs; the teacher reads and writes their own,
			-- for a student still linked to them.
			CREATE POLICY weekly_goals_student ON weekly_goals FOR SELECT TO etude_app
				USING (student_id = etude_acting_user());
			CREATE POLICY weekly_goals_teacher ON weekly_goals FOR ALL TO etude_app
				USING (teacher_id = etude_acting_user() AND student_id = ANY (etude_readable_students()))
				WITH CHECK (teacher_id = etude_acting_user() AND student_id = ANY (etude_readable_students()));
			CREATE POLICY weekly_goals_service ON weekly_goals FOR ALL TO etude_app
				USING (etude_acting_system() = 'goals') WITH CHECK (etude_acting_system() = 'goals');

			CREATE POLICY assignments_student ON assignments FOR SELECT TO etude_app
				USING (student_id = etude_acting_user());
			-- The student marks done and reopens; the service lets them change nothing else.
			CREATE POLICY assignments_student_done ON assignments FOR UPDATE TO etude_app
				USING (student_id = etude_acting_user()) WITH CHECK (student_id = etude_acting_user());
			CREATE POLICY assignments_teacher ON assignments FOR ALL TO etude_app
				USING (teacher_id = etude_acting_user() AND student_id = ANY (etude_readable_students()))
				WITH CHECK (teacher_id = etude_acting_user() AND student_id = ANY (etude_readable_students()));
			CREATE POLICY assignments_service ON assignments FOR ALL TO etude_app
				USING (etude_acting_system() = 'assignments') WITH CHECK (etude_acting_system() = 'assignments');

			-- The sub-selects are themselves filtered by the assignments policies.
			CREATE POLICY assignment_sessions_read ON assignment_sessions FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM assignments a WHERE a.id = assignment_id));
			CREATE POLICY assignment_sessions_student ON assignment_sessions FOR ALL TO etude_app
				USING (student_id = etude_acting_user())
				WITH CHECK (student_id = etude_acting_user() AND EXISTS (SELECT 1 FROM assignments a WHERE a.id = assignment_id AND a.student_id = etude_acting_user()));
			CREATE POLICY assignment_sessions_service ON assignment_sessions FOR ALL TO etude_app
				USING (etude_acting_system() = 'assignments') WITH CHECK (etude_acting_system() = 'assignments');

			ALTER TABLE feedback ENABLE ROW LEVEL SECURITY;
			ALTER TABLE feedback FORCE ROW LEVEL SECURITY;
			ALTER TABLE weekly_goals ENABLE ROW LEVEL SECURITY;
			ALTER TABLE weekly_goals FORCE ROW LEVEL SECURITY;
			ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
			ALTER TABLE assignments FORCE ROW LEVEL SECURITY;
			ALTER TABLE assignment_sessions ENABLE ROW LEVEL SECURITY;
			ALTER TABLE assignment_sessions FORCE ROW LEVEL SECURITY;
		`);
	},
	async down(client) {
		await client.query(`
			DROP INDEX IF EXISTS videos_failed_owner, metric_rollups_hourly_student_metric, metric_analyses_student_done, tags_name_trgm;
			ALTER TABLE tags DROP COLUMN IF EXISTS focus;
			DROP POLICY tags_read ON tags;
			CREATE POLICY tags_read ON tags FOR SELECT TO etude_app USING (owner_id = etude_acting_user() OR owner_role = 'teacher');
			DROP TABLE IF EXISTS assignment_sessions, assignments, weekly_goals, feedback;
			DROP TYPE IF EXISTS feedback_kind;
			-- The seed's table, locked again as 0004 left it.
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
			ALTER TABLE feedback ENABLE ROW LEVEL SECURITY;
			ALTER TABLE feedback FORCE ROW LEVEL SECURITY;
		`);
	}
};
