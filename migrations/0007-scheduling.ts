import type { Migration } from "../lib/db/migrator";

/** The scheduling API and the reminder worker, doing their own work. */
const SERVICE_ACTORS = "etude_acting_system() IN ('scheduling', 'scheduling-reminders')";
const TABLES = [
	"lesson_series",
	"lesson_participants",
	"lesson_exceptions",
	"lesson_reminder_rules",
	"practice_reminder_settings",
	"scheduled_messages",
	"schedule_feed_tokens"
];

/**
 * Lessons (services/scheduling): the seed's `classes` table is replaced by recurring series kept
 * as people keep them (wall-clock start, IANA zone, RRULE), their exceptions, reminder rules, and
 * `scheduled_messages`: every reminder (and change notice) due to be published, claimed atomically
 * by the reminder worker with a lease (README, "Scheduling").
 *
 * Policies: a teacher owns their series and everything under them; a student reads the series
 * they take part in and manages their own reminders; the services' own work runs as the system
 * actors `scheduling` (the API) and `scheduling-reminders` (the worker).
 */
export const schedulingSchema: Migration = {
	name: "0007-scheduling",
	async up(client) {
		await client.query(`
			DROP TABLE classes;

			CREATE TABLE lesson_series (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				teacher_id uuid NOT NULL,
				title text NOT NULL,
				location text NOT NULL DEFAULT '',
				online_url text,
				notes text NOT NULL DEFAULT '',
				-- Wall clock of the first lesson in its zone; text, so no driver ever shifts it by the process's zone.
				start_local text NOT NULL CHECK (start_local ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$'),
				timezone text NOT NULL,
				duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
				-- RFC 5545 RRULE value; NULL for a single lesson.
				rrule text,
				-- The time the series occupies, moved occurrences included (NULL end: it never ends), to find candidates in SQL.
				span_start timestamptz NOT NULL,
				span_end timestamptz,
				-- iCalendar SEQUENCE: bumped when the series' times change.
				sequence integer NOT NULL DEFAULT 0,
				split_from_id uuid REFERENCES lesson_series(id) ON DELETE SET NULL,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX lesson_series_teacher ON lesson_series (teacher_id, span_start);

			-- teacher_id is repeated here so that the policies of the two tables never refer to each other.
			CREATE TABLE lesson_participants (
				series_id uuid NOT NULL REFERENCES lesson_series(id) ON DELETE CASCADE,
				student_id uuid NOT NULL,
				teacher_id uuid NOT NULL,
				PRIMARY KEY (series_id, student_id)
			);
			CREATE INDEX lesson_participants_student ON lesson_participants (student_id);

			CREATE TABLE lesson_exceptions (
				series_id uuid NOT NULL REFERENCES lesson_series(id) ON DELETE CASCADE,
				-- The occurrence's identity: the start the series plans for it.
				original_start timestamptz NOT NULL,
				status text NOT NULL CHECK (status IN ('cancelled', 'moved')),
				start_local text CHECK (start_local ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$'),
				duration_minutes integer CHECK (duration_minutes BETWEEN 5 AND 720),
				sequence integer NOT NULL DEFAULT 1,
				updated_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (series_id, original_start),
				CHECK ((status = 'moved') = (start_local IS NOT NULL))
			);

			CREATE TABLE lesson_reminder_rules (
				series_id uuid NOT NULL REFERENCES lesson_series(id) ON DELETE CASCADE,
				user_id uuid NOT NULL,
				minutes_before integer NOT NULL CHECK (minutes_before BETWEEN 5 AND 10080),
				PRIMARY KEY (series_id, user_id, minutes_before)
			);
			CREATE INDEX lesson_reminder_rules_user ON lesson_reminder_rules (user_id);

			CREATE TABLE practice_reminder_settings (
				student_id uuid PRIMARY KEY,
				local_time text NOT NULL CHECK (local_time ~ '^\\d{2}:\\d{2}$'),
				timezone text NOT NULL,
				enabled boolean NOT NULL DEFAULT true,
				updated_at timestamptz NOT NULL DEFAULT now()
			);

			CREATE TYPE scheduled_message_kind AS ENUM ('lesson_reminder', 'practice_reminder', 'lesson_changed');
			CREATE TABLE scheduled_messages (
				-- The stable key: the published message's eventId, so a re-send is recognisably the same.
				message_key text PRIMARY KEY,
				kind scheduled_message_kind NOT NULL,
				-- Lesson reminders go with their series; change notices outlive a deleted one (NULL).
				series_id uuid REFERENCES lesson_series(id) ON DELETE CASCADE,
				teacher_id uuid,
				recipient_id uuid,
				occurrence_start timestamptz,
				minutes_before integer,
				local_date text,
				-- What a change notice says (lessons.changed), fixed when the change was made.
				payload jsonb,
				due_at timestamptz NOT NULL,
				-- Never published at or after this: a lesson reminder when the lesson starts, a practice reminder at the end of the day.
				expires_at timestamptz,
				claimed_by text,
				lease_until timestamptz,
				claims integer NOT NULL DEFAULT 0,
				sent_at timestamptz,
				sent_by text,
				skipped_at timestamptz,
				skip_reason text,
				created_at timestamptz NOT NULL DEFAULT now(),
				CHECK (sent_at IS NULL OR skipped_at IS NULL)
			);
			CREATE INDEX scheduled_messages_due ON scheduled_messages (due_at) WHERE sent_at IS NULL AND skipped_at IS NULL;
			CREATE INDEX scheduled_messages_series ON scheduled_messages (series_id, recipient_id) WHERE series_id IS NOT NULL;
			CREATE INDEX scheduled_messages_recipient ON scheduled_messages (recipient_id);

			CREATE TABLE schedule_feed_tokens (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				user_id uuid NOT NULL,
				-- SHA-256 of the token; the token itself is shown once and never stored.
				token_hash text NOT NULL UNIQUE,
				created_at timestamptz NOT NULL DEFAULT now(),
				last_used_at timestamptz,
				revoked_at timestamptz
			);
			CREATE UNIQUE INDEX schedule_feed_tokens_active ON schedule_feed_tokens (user_id) WHERE revoked_at IS NULL;

			CREATE POLICY lesson_series_teacher ON lesson_series FOR ALL TO etude_app
				USING (teacher_id = etude_acting_user()) WITH CHECK (teacher_id = etude_acting_user());
			CREATE POLICY lesson_series_participant ON lesson_series FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM lesson_participants p WHERE p.series_id = id AND p.student_id = etude_acting_user()));

			CREATE POLICY lesson_participants_teacher ON lesson_participants FOR ALL TO etude_app
				USING (teacher_id = etude_acting_user()) WITH CHECK (teacher_id = etude_acting_user());
			CREATE POLICY lesson_participants_self ON lesson_participants FOR SELECT TO etude_app
				USING (student_id = etude_acting_user());

			-- The sub-selects are filtered by lesson_series' own policies.
			CREATE POLICY lesson_exceptions_read ON lesson_exceptions FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM lesson_series s WHERE s.id = series_id));
			CREATE POLICY lesson_exceptions_teacher ON lesson_exceptions FOR ALL TO etude_app
				USING (EXISTS (SELECT 1 FROM lesson_series s WHERE s.id = series_id AND s.teacher_id = etude_acting_user()))
				WITH CHECK (EXISTS (SELECT 1 FROM lesson_series s WHERE s.id = series_id AND s.teacher_id = etude_acting_user()));

			CREATE POLICY lesson_reminder_rules_own ON lesson_reminder_rules FOR ALL TO etude_app
				USING (user_id = etude_acting_user()) WITH CHECK (user_id = etude_acting_user());
			CREATE POLICY lesson_reminder_rules_teacher ON lesson_reminder_rules FOR ALL TO etude_app
				USING (EXISTS (SELECT 1 FROM lesson_series s WHERE s.id = series_id AND s.teacher_id = etude_acting_user()))
				WITH CHECK (EXISTS (SELECT 1 FROM lesson_series s WHERE s.id = series_id AND s.teacher_id = etude_acting_user()));

			CREATE POLICY practice_reminder_settings_own ON practice_reminder_settings FOR ALL TO etude_app
				USING (student_id = etude_acting_user()) WITH CHECK (student_id = etude_acting_user());

			CREATE POLICY scheduled_messages_party ON scheduled_messages FOR ALL TO etude_app
				USING (recipient_id = etude_acting_user() OR teacher_id = etude_acting_user())
				WITH CHECK (recipient_id = etude_acting_user() OR teacher_id = etude_acting_user());

			CREATE POLICY schedule_feed_tokens_own ON schedule_feed_tokens FOR ALL TO etude_app
				USING (user_id = etude_acting_user()) WITH CHECK (user_id = etude_acting_user());

${TABLES.map((table) => `			CREATE POLICY ${table}_service ON ${table} FOR ALL TO etude_app USING (${SERVICE_ACTORS}) WITH CHECK (${SERVICE_ACTORS});`).join("\n")}

${TABLES.map((table) => `			ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`).join("\n")}

			-- When a teacher books or moves a lesson, the clash check must see every lesson of the people
			-- concerned, also those of another teacher (a student learning piano and theory), which the
			-- teacher may not read. This hands out times only (no title, no notes), and only of the acting
			-- user and the students they may read.
			CREATE FUNCTION etude_lesson_busy_times(person_ids uuid[], window_start timestamptz, window_end timestamptz)
				RETURNS TABLE (series_id uuid, start_local text, timezone text, duration_minutes integer, rrule text,
					exceptions jsonb, own boolean, people uuid[])
				LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
				WITH allowed AS (
					SELECT unnest(person_ids) AS person_id
					INTERSECT SELECT unnest(etude_readable_students() || etude_acting_user())
				), involved AS (
					SELECT s.*, ARRAY(
						SELECT a.person_id FROM allowed a
						WHERE a.person_id = s.teacher_id
						   OR EXISTS (SELECT 1 FROM lesson_participants p WHERE p.series_id = s.id AND p.student_id = a.person_id)
						ORDER BY a.person_id) AS people
					FROM lesson_series s
					WHERE s.span_start < window_end AND (s.span_end IS NULL OR s.span_end > window_start)
				)
				SELECT i.id, i.start_local, i.timezone, i.duration_minutes, i.rrule,
					coalesce((SELECT jsonb_agg(jsonb_build_object('originalStart', e.original_start, 'status', e.status,
						'startLocal', e.start_local, 'durationMinutes', e.duration_minutes)) FROM lesson_exceptions e WHERE e.series_id = i.id), '[]'),
					i.teacher_id = etude_acting_user(), i.people
				FROM involved i
				WHERE cardinality(i.people) > 0
			$$;
			-- FORCE row-level security applies to the function's owner too (unless it is a superuser):
			-- it may read these three tables, and only through this function does anyone act as it.
			CREATE POLICY lesson_series_busy_times ON lesson_series FOR SELECT TO CURRENT_USER USING (true);
			CREATE POLICY lesson_participants_busy_times ON lesson_participants FOR SELECT TO CURRENT_USER USING (true);
			CREATE POLICY lesson_exceptions_busy_times ON lesson_exceptions FOR SELECT TO CURRENT_USER USING (true);
			REVOKE ALL ON FUNCTION etude_lesson_busy_times(uuid[], timestamptz, timestamptz) FROM PUBLIC;
			GRANT EXECUTE ON FUNCTION etude_lesson_busy_times(uuid[], timestamptz, timestamptz) TO etude_app;
		`);
	},
	async down(client) {
		await client.query(`
			DROP FUNCTION IF EXISTS etude_lesson_busy_times(uuid[], timestamptz, timestamptz);
			DROP TABLE IF EXISTS schedule_feed_tokens, scheduled_messages, practice_reminder_settings, lesson_reminder_rules,
				lesson_exceptions, lesson_participants, lesson_series;
			DROP TYPE IF EXISTS scheduled_message_kind;
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
			GRANT SELECT, INSERT, UPDATE, DELETE ON classes TO etude_app;
			ALTER TABLE classes ENABLE ROW LEVEL SECURITY;
			ALTER TABLE classes FORCE ROW LEVEL SECURITY;
		`);
	}
};
