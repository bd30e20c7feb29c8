import type { Migration } from "../lib/db/migrator";

/**
 * Analysis results as time series. `metrics` (from 0001) gains the owner, the video and the kind
 * of point: one `summary` row per metric and recording (at the recording's start) and 10 Hz
 * `curve` points. A null value is a gap: a metric the analyser could not compute (its reason is
 * in `metric_analyses.missing`) or a silent/unvoiced curve point, which a chart must not bridge.
 * Monthly partitions are created by the analytics service before it writes into a month.
 */
export const analyticsSchema: Migration = {
	name: "0003-analytics",
	async up(client) {
		await client.query(`
			CREATE TYPE metric_kind AS ENUM ('summary', 'curve');
			CREATE TYPE analysis_status AS ENUM ('pending', 'done', 'failed');

			-- Points are written and replaced a recording at a time and never addressed one by one,
			-- so the surrogate key only cost a sequence call and a B-tree entry per point.
			ALTER TABLE metrics
				DROP CONSTRAINT metrics_pkey,
				DROP COLUMN id,
				ADD COLUMN student_id uuid NOT NULL,
				ADD COLUMN video_id uuid NOT NULL,
				ADD COLUMN kind metric_kind NOT NULL,
				ALTER COLUMN metric_val DROP NOT NULL;
			-- Every read and the idempotent replace go by video (sessions are found in metric_analyses);
			-- a recording's thousands of equal keys deduplicate into a few index tuples.
			DROP INDEX metrics_session_key;
			CREATE INDEX metrics_video ON metrics (video_id);
			-- Rollups are recomputed from a student's summary rows of one hour; summaries are 1 row in ~500.
			CREATE INDEX metrics_student_summary ON metrics (student_id, ts) WHERE kind = 'summary';

			-- One row per recording: where its analysis stands, why it failed, and why metrics are missing.
			CREATE TABLE metric_analyses (
				video_id uuid PRIMARY KEY,
				session_id uuid NOT NULL,
				student_id uuid NOT NULL,
				status analysis_status NOT NULL,
				recorded_at timestamptz NOT NULL,
				-- What the worker was sent, so the embedded default can re-queue unfinished work on start.
				request jsonb NOT NULL,
				analyser_version text,
				a4_hz real,
				duration_ms integer,
				missing jsonb NOT NULL DEFAULT '{}',
				error_code text,
				error_message text,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX metric_analyses_session ON metric_analyses (session_id, recorded_at DESC);
			CREATE INDEX metric_analyses_pending ON metric_analyses (created_at) WHERE status = 'pending';

			-- Per student and UTC hour: an hour bucket belongs to exactly one local day in every
			-- whole-hour time zone, so dashboards can group days in whatever zone they are asked for.
			CREATE TABLE metric_rollups_hourly (
				student_id uuid NOT NULL,
				hour_start timestamptz NOT NULL,
				metric_key text NOT NULL,
				recording_count integer NOT NULL,
				value_count integer NOT NULL,
				value_sum double precision NOT NULL,
				value_min double precision,
				value_max double precision,
				PRIMARY KEY (student_id, hour_start, metric_key)
			);
		`);
	},
	async down(client) {
		await client.query(`
			DROP TABLE IF EXISTS metric_rollups_hourly, metric_analyses;
			-- An identity column cannot be added back to a partitioned table: rebuild it as 0001 made it.
			DROP TABLE metrics;
			CREATE TABLE metrics (
				id bigint GENERATED ALWAYS AS IDENTITY, session_id uuid NOT NULL, metric_key text NOT NULL,
				metric_val double precision NOT NULL, unit text NOT NULL, ts timestamptz NOT NULL,
				analyser_version text NOT NULL, PRIMARY KEY (id, ts)
			) PARTITION BY RANGE (ts);
			CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;
			CREATE INDEX metrics_ts_brin ON metrics USING brin (ts);
			CREATE INDEX metrics_session_key ON metrics (session_id, metric_key);
			DROP TYPE IF EXISTS analysis_status, metric_kind;
		`);
	}
};
