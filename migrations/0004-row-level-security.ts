import type { Migration } from "../lib/db/migrator";

/**
 * Row-level security for every table that holds a person's data, enforced (FORCE) even for the
 * owner. Services connect as (or switch to) the non-owner role `etude_app` and name who acts in
 * each unit of work (mixins/db.mixin.ts):
 * - a person: `etude.user_id`, plus `etude.readable_students` for a teacher's linked students;
 * - a service's own internal work (workers, sign-in before anyone is known, purges): the system
 *   actor `etude.system_actor`, which each table's policy admits only for the service that owns
 *   the table.
 * With nobody set, a query sees and changes nothing.
 *
 * The seed tables no service owns yet (feedback, forum_*, votes, classes) are locked (no policy)
 * until the migration of the service that takes them over writes their policies.
 */
const PERSON_TABLES = [
	"users", "teachers", "students", "teacher_students", "teacher_invites", "refresh_tokens",
	"practice_sessions", "session_tags", "tags", "videos", "sensor_files",
	"metrics", "metric_analyses", "metric_rollups_hourly",
	"feedback", "forum_posts", "forum_comments", "votes", "classes"
];

export const rowLevelSecuritySchema: Migration = {
	name: "0004-row-level-security",
	async up(client) {
		await client.query(`
			CREATE FUNCTION etude_acting_user() RETURNS uuid LANGUAGE sql STABLE
				AS $$ SELECT NULLIF(current_setting('etude.user_id', true), '')::uuid $$;
			CREATE FUNCTION etude_readable_students() RETURNS uuid[] LANGUAGE sql STABLE
				AS $$ SELECT coalesce(string_to_array(NULLIF(current_setting('etude.readable_students', true), ''), ',')::uuid[], '{}') $$;
			CREATE FUNCTION etude_acting_system() RETURNS text LANGUAGE sql STABLE
				AS $$ SELECT NULLIF(current_setting('etude.system_actor', true), '') $$;

			-- Whatever the owner creates from now on is usable by the application role, which still
			-- sees nothing of a table until it has row-level security and policies (tested).
			ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO etude_app;
			ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO etude_app;
			GRANT USAGE ON SCHEMA public TO etude_app;
			GRANT SELECT, INSERT, UPDATE, DELETE ON ${PERSON_TABLES.join(", ")} TO etude_app;

			-- Accounts (auth).
			CREATE POLICY users_self ON users FOR ALL TO etude_app
				USING (id = etude_acting_user() OR etude_acting_system() = 'auth')
				WITH CHECK (id = etude_acting_user() OR etude_acting_system() = 'auth');
			CREATE POLICY teachers_self ON teachers FOR ALL TO etude_app
				USING (user_id = etude_acting_user() OR etude_acting_system() = 'auth')
				WITH CHECK (user_id = etude_acting_user() OR etude_acting_system() = 'auth');
			CREATE POLICY students_self ON students FOR ALL TO etude_app
				USING (user_id = etude_acting_user() OR etude_acting_system() = 'auth')
				WITH CHECK (user_id = etude_acting_user() OR etude_acting_system() = 'auth');
			CREATE POLICY teacher_students_party ON teacher_students FOR SELECT TO etude_app
				USING (teacher_id = etude_acting_user() OR student_id = etude_acting_user() OR etude_acting_system() = 'auth');
			CREATE POLICY teacher_students_auth ON teacher_students FOR ALL TO etude_app
				USING (etude_acting_system() = 'auth') WITH CHECK (etude_acting_system() = 'auth');
			CREATE POLICY teacher_invites_owner ON teacher_invites FOR ALL TO etude_app
				USING (teacher_id = etude_acting_user() OR etude_acting_system() = 'auth')
				WITH CHECK (teacher_id = etude_acting_user() OR etude_acting_system() = 'auth');
			CREATE POLICY refresh_tokens_auth ON refresh_tokens FOR ALL TO etude_app
				USING (etude_acting_system() = 'auth') WITH CHECK (etude_acting_system() = 'auth');

			-- Practice (sessions and tags): the 0001 policies, restated on the shared functions.
			DROP POLICY practice_sessions_read ON practice_sessions;
			DROP POLICY practice_sessions_insert ON practice_sessions;
			DROP POLICY practice_sessions_update ON practice_sessions;
			DROP POLICY practice_sessions_delete ON practice_sessions;
			CREATE POLICY practice_sessions_read ON practice_sessions FOR SELECT TO etude_app
				USING (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students()));
			CREATE POLICY practice_sessions_write ON practice_sessions FOR ALL TO etude_app
				USING (student_id = etude_acting_user()) WITH CHECK (student_id = etude_acting_user());
			CREATE POLICY practice_sessions_service ON practice_sessions FOR ALL TO etude_app
				USING (etude_acting_system() = 'sessions') WITH CHECK (etude_acting_system() = 'sessions');

			DROP POLICY session_tags_read ON session_tags;
			DROP POLICY session_tags_write ON session_tags;
			-- The sub-selects are themselves filtered by practice_sessions' policies.
			CREATE POLICY session_tags_read ON session_tags FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id));
			CREATE POLICY session_tags_write ON session_tags FOR ALL TO etude_app
				USING (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id AND s.student_id = etude_acting_user()))
				WITH CHECK (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id AND s.student_id = etude_acting_user()));
			CREATE POLICY session_tags_service ON session_tags FOR ALL TO etude_app
				USING (etude_acting_system() IN ('sessions', 'tags')) WITH CHECK (etude_acting_system() IN ('sessions', 'tags'));

			-- A teacher's tags are offered to their students; a student's own tags are theirs alone.
			DROP POLICY tags_read ON tags;
			DROP POLICY tags_write ON tags;
			CREATE POLICY tags_read ON tags FOR SELECT TO etude_app
				USING (owner_id = etude_acting_user() OR owner_role = 'teacher');
			CREATE POLICY tags_write ON tags FOR ALL TO etude_app
				USING (owner_id = etude_acting_user()) WITH CHECK (owner_id = etude_acting_user());
			CREATE POLICY tags_service ON tags FOR ALL TO etude_app
				USING (etude_acting_system() = 'tags') WITH CHECK (etude_acting_system() = 'tags');

			-- Recordings (media).
			CREATE POLICY videos_read ON videos FOR SELECT TO etude_app
				USING (owner_id = etude_acting_user() OR owner_id = ANY (etude_readable_students()));
			CREATE POLICY videos_write ON videos FOR ALL TO etude_app
				USING (owner_id = etude_acting_user()) WITH CHECK (owner_id = etude_acting_user());
			CREATE POLICY videos_service ON videos FOR ALL TO etude_app
				USING (etude_acting_system() = 'media') WITH CHECK (etude_acting_system() = 'media');
			CREATE POLICY sensor_files_read ON sensor_files FOR SELECT TO etude_app
				USING (owner_id = etude_acting_user() OR owner_id = ANY (etude_readable_students()));
			CREATE POLICY sensor_files_write ON sensor_files FOR ALL TO etude_app
				USING (owner_id = etude_acting_user()) WITH CHECK (owner_id = etude_acting_user());
			CREATE POLICY sensor_files_service ON sensor_files FOR ALL TO etude_app
				USING (etude_acting_system() = 'media') WITH CHECK (etude_acting_system() = 'media');

			-- Analysis results (analytics): people read, only the analytics service writes.
			CREATE POLICY metrics_read ON metrics FOR SELECT TO etude_app
				USING (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students()));
			CREATE POLICY metrics_service ON metrics FOR ALL TO etude_app
				USING (etude_acting_system() = 'analytics') WITH CHECK (etude_acting_system() = 'analytics');
			CREATE POLICY metric_analyses_read ON metric_analyses FOR SELECT TO etude_app
				USING (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students()));
			CREATE POLICY metric_analyses_service ON metric_analyses FOR ALL TO etude_app
				USING (etude_acting_system() = 'analytics') WITH CHECK (etude_acting_system() = 'analytics');
			CREATE POLICY metric_rollups_read ON metric_rollups_hourly FOR SELECT TO etude_app
				USING (student_id = etude_acting_user() OR student_id = ANY (etude_readable_students()));
			CREATE POLICY metric_rollups_service ON metric_rollups_hourly FOR ALL TO etude_app
				USING (etude_acting_system() = 'analytics') WITH CHECK (etude_acting_system() = 'analytics');

			DO $$
			DECLARE person_table text;
			BEGIN
				FOREACH person_table IN ARRAY ARRAY[${PERSON_TABLES.map((table) => `'${table}'`).join(", ")}] LOOP
					EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', person_table);
					EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', person_table);
				END LOOP;
			END $$;

			-- Metric partitions carry no policies of their own (reads and deletes go through the parent,
			-- whose policies apply) because PostgreSQL refuses COPY FROM into a table with row-level
			-- security: the application role may only insert into them, never read them directly.
			REVOKE ALL ON metrics_default FROM etude_app;
			GRANT INSERT ON metrics_default TO etude_app;

			-- Creating a month's partition needs the owner's rights; the application role asks for it here.
			CREATE FUNCTION etude_ensure_metrics_partition(month_start timestamptz) RETURNS regclass
				LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
			DECLARE
				first_day timestamptz := date_trunc('month', month_start, 'UTC');
				partition_name text := format('metrics_y%sm%s', to_char(first_day AT TIME ZONE 'UTC', 'YYYY'), to_char(first_day AT TIME ZONE 'UTC', 'MM'));
				existing regclass := to_regclass(partition_name);
			BEGIN
				IF existing IS NOT NULL THEN RETURN existing; END IF;
				-- Serialises creators; a month whose rows already sit in the default partition keeps using it.
				PERFORM pg_advisory_xact_lock(7301947);
				IF to_regclass(partition_name) IS NOT NULL THEN RETURN to_regclass(partition_name); END IF;
				IF EXISTS (SELECT 1 FROM metrics_default WHERE ts >= first_day AND ts < first_day + interval '1 month') THEN
					RETURN 'metrics_default'::regclass;
				END IF;
				EXECUTE format('CREATE TABLE %I PARTITION OF metrics FOR VALUES FROM (%L) TO (%L)',
					partition_name, first_day, first_day + interval '1 month');
				EXECUTE format('REVOKE ALL ON %I FROM etude_app', partition_name);
				EXECUTE format('GRANT INSERT ON %I TO etude_app', partition_name);
				RETURN to_regclass(partition_name);
			END $$;
			REVOKE ALL ON FUNCTION etude_ensure_metrics_partition(timestamptz) FROM PUBLIC;
			GRANT EXECUTE ON FUNCTION etude_ensure_metrics_partition(timestamptz) TO etude_app;

			-- Partitions made before this migration (by the analytics service, as the owner) follow the same rule.
			DO $$
			DECLARE month_partition regclass;
			BEGIN
				FOR month_partition IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'metrics'::regclass AND inhrelid <> 'metrics_default'::regclass LOOP
					EXECUTE format('REVOKE ALL ON %s FROM etude_app', month_partition);
					EXECUTE format('GRANT INSERT ON %s TO etude_app', month_partition);
				END LOOP;
			END $$;
		`);
	},
	async down(client) {
		await client.query(`
			DROP FUNCTION IF EXISTS etude_ensure_metrics_partition(timestamptz);
			GRANT SELECT, INSERT, UPDATE, DELETE ON metrics_default TO etude_app;
			DO $$
			DECLARE
				person_table text;
				policy record;
			BEGIN
				FOREACH person_table IN ARRAY ARRAY[${PERSON_TABLES.map((table) => `'${table}'`).join(", ")}] LOOP
					FOR policy IN SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = person_table LOOP
						EXECUTE format('DROP POLICY %I ON %I', policy.policyname, person_table);
					END LOOP;
					EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', person_table);
					IF person_table NOT IN ('practice_sessions', 'session_tags', 'tags') THEN
						EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', person_table);
					END IF;
				END LOOP;
			END $$;
			-- The policies 0001 made.
			CREATE POLICY practice_sessions_read ON practice_sessions FOR SELECT TO etude_app
				USING (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid
					OR student_id = ANY (string_to_array(NULLIF(current_setting('etude.readable_students', true), ''), ',')::uuid[]));
			CREATE POLICY practice_sessions_insert ON practice_sessions FOR INSERT TO etude_app
				WITH CHECK (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
			CREATE POLICY practice_sessions_update ON practice_sessions FOR UPDATE TO etude_app
				USING (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid)
				WITH CHECK (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
			CREATE POLICY practice_sessions_delete ON practice_sessions FOR DELETE TO etude_app
				USING (student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
			CREATE POLICY session_tags_read ON session_tags FOR SELECT TO etude_app
				USING (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id));
			CREATE POLICY session_tags_write ON session_tags FOR ALL TO etude_app
				USING (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id
					AND s.student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid))
				WITH CHECK (EXISTS (SELECT 1 FROM practice_sessions s WHERE s.id = session_id
					AND s.student_id = NULLIF(current_setting('etude.user_id', true), '')::uuid));
			CREATE POLICY tags_read ON tags FOR SELECT TO etude_app USING (true);
			CREATE POLICY tags_write ON tags FOR ALL TO etude_app
				USING (owner_id = NULLIF(current_setting('etude.user_id', true), '')::uuid)
				WITH CHECK (owner_id = NULLIF(current_setting('etude.user_id', true), '')::uuid);
			REVOKE SELECT, INSERT, UPDATE, DELETE ON ${PERSON_TABLES.filter((table) => !["practice_sessions", "session_tags", "tags"].includes(table)).join(", ")}
				FROM etude_app;
			ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM etude_app;
			ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM etude_app;
			DROP FUNCTION IF EXISTS etude_acting_user(), etude_readable_students(), etude_acting_system();
		`);
	}
};
