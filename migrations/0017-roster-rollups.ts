import type { Migration } from "../lib/db/migrator";

/**
 * What a roster reads, kept ready by the services that own it (issue 9).
 *
 * Practice (the sessions service): minutes and sessions per day
 * and focus, already cut in the student's own time zone, so a roster reads a week as a date range
 * of a few rows per student and a streak as a few index probes, instead of computing the local
 * day of every session of every student on every request.
 *
 * The sessions service owns these tables like `practice_sessions` itself. They are kept by
 * statement triggers on `practice_sessions`, in the writing transaction, so every path (create,
 * correction, soft delete, purge) keeps them right without remembering to. Which zone a student's
 * days are cut in is stored beside them (`practice_day_zones`): a student whose days are not cut in
 * the zone a reader asks for (no rows yet, or their zone changed since) has them rebuilt first by
 * the sessions service (`etude_rebuild_practice_days`), so a stale zone costs one rebuild, never a
 * wrong day. Without a zone row the triggers keep nothing for that student.
 *
 * Writers of one student's days take one advisory lock (per student, its own key space): a
 * rebuild and a session written meanwhile are serialised, so neither misses the other's rows.
 *
 * Existing sessions are backfilled here: each student's zone read as auth would, the days
 * written as the sessions service would (the owner is bound by row-level security too).
 *
 * Analysis (the analytics service): a take's summary metrics also on its analysis row, written in
 * the transaction that stores its points, and carried by the index a roster reads the latest take
 * through: one index-only probe per student instead of a probe into a month partition of points.
 */
const LOCK_SEED = 7_301_949;

export const rosterRollupsSchema: Migration = {
	name: "0017-roster-rollups",
	async up(client) {
		await client.query(`
			CREATE TABLE practice_day_zones (
				student_id uuid PRIMARY KEY,
				timezone text NOT NULL,
				-- When the latest session of all started, and the run of consecutive days ending on the
				-- latest day practised: a roster's last practice and streak without reading any day.
				last_started_at timestamptz,
				run_end date,
				run_days integer NOT NULL DEFAULT 0,
				built_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE TABLE practice_days (
				student_id uuid NOT NULL REFERENCES practice_day_zones (student_id) ON DELETE CASCADE,
				local_date date NOT NULL,
				focus practice_focus NOT NULL,
				practised_seconds numeric NOT NULL,
				sessions integer NOT NULL,
				last_started_at timestamptz NOT NULL,
				PRIMARY KEY (student_id, local_date, focus)
			);

			-- The local days that sessions starting at these instants count for (the date each started on, in the
			-- student's zone, as the reads computed it before), for the students whose days are kept.
			CREATE FUNCTION etude_practice_days_touched(students uuid[], starts timestamptz[]) RETURNS TABLE (student_id uuid, local_date date, timezone text)
				LANGUAGE sql STABLE AS $$
				SELECT DISTINCT t.student_id, (t.start_ts AT TIME ZONE z.timezone)::date, z.timezone
				FROM unnest(students, starts) AS t(student_id, start_ts) JOIN practice_day_zones z ON z.student_id = t.student_id
			$$;
			-- The latest day practised and how many consecutive days end on it: the dates from the latest
			-- down, numbered, are that many days back exactly as long as no day is missing.
			CREATE FUNCTION etude_latest_practice_run(student uuid, OUT run_end date, OUT run_days integer) LANGUAGE sql STABLE AS $$
				SELECT max(local_date), (count(*) FILTER (WHERE back = position))::int
				FROM (SELECT local_date, max(local_date) OVER () - local_date AS back, row_number() OVER (ORDER BY local_date DESC) - 1 AS position
				      FROM (SELECT DISTINCT p.local_date FROM practice_days p WHERE p.student_id = student) dates) numbered
			$$;
			CREATE FUNCTION etude_refresh_practice_days(students uuid[], starts timestamptz[]) RETURNS void LANGUAGE plpgsql AS $$
			DECLARE
				touched_student uuid;
			BEGIN
				-- In id order: two writers never wait on each other crosswise.
				FOR touched_student IN SELECT DISTINCT s FROM unnest(students) AS s ORDER BY 1 LOOP
					PERFORM pg_advisory_xact_lock(hashtextextended(touched_student::text, ${LOCK_SEED}));
				END LOOP;
				DELETE FROM practice_days d USING etude_practice_days_touched(students, starts) t WHERE d.student_id = t.student_id AND d.local_date = t.local_date;
				INSERT INTO practice_days (student_id, local_date, focus, practised_seconds, sessions, last_started_at)
					SELECT t.student_id, t.local_date, s.focus, sum(extract(epoch FROM s.end_ts - s.start_ts)), count(*), max(s.start_ts)
					FROM etude_practice_days_touched(students, starts) t
					JOIN practice_sessions s ON s.student_id = t.student_id AND s.deleted_at IS NULL
						-- A local day lies within a day and a half of the same UTC date (offsets run from -12 to +14 hours).
						AND s.start_ts >= (t.local_date - 1)::timestamp AT TIME ZONE 'UTC' AND s.start_ts < (t.local_date + 2)::timestamp AT TIME ZONE 'UTC'
						AND (s.start_ts AT TIME ZONE t.timezone)::date = t.local_date
					GROUP BY 1, 2, 3;
				UPDATE practice_day_zones z SET last_started_at = (SELECT max(p.last_started_at) FROM practice_days p WHERE p.student_id = z.student_id),
					(run_end, run_days) = (SELECT run.run_end, run.run_days FROM etude_latest_practice_run(z.student_id) AS run)
					WHERE z.student_id = ANY (students);
			END $$;

			CREATE FUNCTION etude_rebuild_practice_days(student uuid, zone text) RETURNS void LANGUAGE plpgsql AS $$
			BEGIN
				PERFORM pg_advisory_xact_lock(hashtextextended(student::text, ${LOCK_SEED}));
				INSERT INTO practice_day_zones (student_id, timezone) VALUES (student, zone)
					ON CONFLICT (student_id) DO UPDATE SET timezone = EXCLUDED.timezone, built_at = now();
				DELETE FROM practice_days WHERE student_id = student;
				INSERT INTO practice_days (student_id, local_date, focus, practised_seconds, sessions, last_started_at)
					SELECT student, (s.start_ts AT TIME ZONE zone)::date, s.focus, sum(extract(epoch FROM s.end_ts - s.start_ts)), count(*), max(s.start_ts)
					FROM practice_sessions s WHERE s.student_id = student AND s.deleted_at IS NULL
					GROUP BY 2, 3;
				UPDATE practice_day_zones z SET last_started_at = (SELECT max(p.last_started_at) FROM practice_days p WHERE p.student_id = student),
					(run_end, run_days) = (SELECT run.run_end, run.run_days FROM etude_latest_practice_run(student) AS run)
					WHERE z.student_id = student;
			END $$;

			CREATE FUNCTION etude_practice_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP = 'INSERT' THEN
					PERFORM etude_refresh_practice_days(array_agg(n.student_id), array_agg(n.start_ts)) FROM new_rows n;
				ELSIF TG_OP = 'DELETE' THEN
					PERFORM etude_refresh_practice_days(array_agg(o.student_id), array_agg(o.start_ts)) FROM old_rows o;
				ELSE
					-- Both the day a session left and the one it moved to; a change of note or tags alone touches none.
					PERFORM etude_refresh_practice_days(array_agg(c.student_id), array_agg(c.start_ts))
					FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
					CROSS JOIN LATERAL (VALUES (o.student_id, o.start_ts), (n.student_id, n.start_ts)) AS c(student_id, start_ts)
					WHERE c.student_id IS NOT NULL
					  AND (o.student_id, o.start_ts, o.end_ts, o.focus, o.deleted_at IS NULL) IS DISTINCT FROM (n.student_id, n.start_ts, n.end_ts, n.focus, n.deleted_at IS NULL);
				END IF;
				RETURN NULL;
			END $$;
			CREATE TRIGGER practice_sessions_days_insert AFTER INSERT ON practice_sessions
				REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION etude_practice_sessions_changed();
			CREATE TRIGGER practice_sessions_days_update AFTER UPDATE ON practice_sessions
				REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION etude_practice_sessions_changed();
			CREATE TRIGGER practice_sessions_days_delete AFTER DELETE ON practice_sessions
				REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION etude_practice_sessions_changed();

			-- As practice_sessions (0004): the student, their teachers to read, the sessions service.
${["practice_day_zones", "practice_days"]
	.map(
		(table) => `			CREATE POLICY ${table}_read ON ${table} FOR SELECT TO etude_app
				USING (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students()));
			CREATE POLICY ${table}_write ON ${table} FOR ALL TO etude_app
				USING (student_id = etude_acting_user()) WITH CHECK (student_id = etude_acting_user());
			CREATE POLICY ${table}_service ON ${table} FOR ALL TO etude_app
				USING (etude_acting_system() = 'sessions') WITH CHECK (etude_acting_system() = 'sessions');
			ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`
	)
	.join("\n")}
		`);

		await client.query("SET LOCAL ROLE etude_app; SET LOCAL etude.system_actor = 'auth'");
		const { rows: students } = await client.query<{ id: string; timezone: string }>(
			"SELECT id, timezone FROM users WHERE role = 'student' ORDER BY id"
		);
		await client.query("SET LOCAL etude.system_actor = 'sessions'");
		await client.query("SELECT etude_rebuild_practice_days(s.id, s.timezone) FROM unnest($1::uuid[], $2::text[]) AS s(id, timezone)", [
			students.map((student) => student.id),
			students.map((student) => student.timezone)
		]);

		await client.query(`
			RESET ROLE;
			ALTER TABLE metric_analyses ADD COLUMN summary jsonb;
			SET LOCAL ROLE etude_app;
			SET LOCAL etude.system_actor = 'analytics';
			-- One probe of the recording's points each: joined to an aggregate of every point, row-level security made it a nested loop over all of them.
			UPDATE metric_analyses a SET summary = (SELECT jsonb_object_agg(m.metric_key, m.metric_val) FROM metrics m
				WHERE m.video_id = a.video_id AND m.kind = 'summary' AND m.ts = a.recorded_at);
			RESET ROLE;
			CREATE INDEX metric_analyses_student_latest_summary ON metric_analyses (student_id, recorded_at DESC) INCLUDE (video_id, session_id, summary) WHERE status = 'done';
			DROP INDEX metric_analyses_student_latest;
		`);
	},
	async down(client) {
		await client.query(`
			CREATE INDEX metric_analyses_student_latest ON metric_analyses (student_id, recorded_at DESC) INCLUDE (video_id, session_id) WHERE status = 'done';
			DROP INDEX metric_analyses_student_latest_summary;
			ALTER TABLE metric_analyses DROP COLUMN summary;
			DROP TRIGGER practice_sessions_days_insert ON practice_sessions;
			DROP TRIGGER practice_sessions_days_update ON practice_sessions;
			DROP TRIGGER practice_sessions_days_delete ON practice_sessions;
			DROP FUNCTION etude_practice_sessions_changed(), etude_rebuild_practice_days(uuid, text), etude_refresh_practice_days(uuid[], timestamptz[]),
				etude_practice_days_touched(uuid[], timestamptz[]), etude_latest_practice_run(uuid);
			DROP TABLE practice_days, practice_day_zones;
		`);
	}
};
