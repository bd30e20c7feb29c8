import type { Migration } from "../lib/db/migrator";

/**
 * Recordings and their processing state. A video row is created when its upload starts and
 * follows it to the end: uploading → queued → processing → ready, or failed with a reason the
 * student can read. Sensor files are uploaded beside a session's video.
 */
export const mediaSchema: Migration = {
	name: "0002-media",
	async up(client) {
		await client.query(`
			CREATE TYPE video_state AS ENUM ('uploading', 'queued', 'processing', 'ready', 'failed');

			ALTER TABLE videos
				ADD COLUMN upload_id text UNIQUE,
				ADD COLUMN state video_state NOT NULL DEFAULT 'uploading',
				ADD COLUMN progress_percent smallint NOT NULL DEFAULT 0,
				ADD COLUMN failure_code text,
				ADD COLUMN failure_reason text,
				ADD COLUMN size_bytes bigint NOT NULL DEFAULT 0,
				ADD COLUMN output_prefix text,
				ADD COLUMN audio_key text,
				ADD COLUMN thumbnail_key text,
				ADD COLUMN quick_playlist_key text,
				ADD COLUMN playlist_key text,
				ADD COLUMN rotation_degrees smallint NOT NULL DEFAULT 0,
				ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now(),
				ADD COLUMN audio_ready_at timestamptz,
				ADD COLUMN processed_at timestamptz,
				ADD COLUMN attempts integer NOT NULL DEFAULT 0;
			CREATE INDEX videos_owner_live ON videos (owner_id) WHERE deleted_at IS NULL;
			CREATE INDEX videos_unfinished ON videos (state) WHERE state IN ('queued', 'processing') AND deleted_at IS NULL;
			CREATE INDEX videos_deleted ON videos (deleted_at) WHERE deleted_at IS NOT NULL;

			CREATE TABLE sensor_files (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				session_id uuid NOT NULL,
				owner_id uuid NOT NULL,
				upload_id text UNIQUE NOT NULL,
				size_bytes bigint NOT NULL DEFAULT 0,
				state video_state NOT NULL DEFAULT 'uploading',
				failure_code text,
				failure_reason text,
				sample_count integer,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				deleted_at timestamptz
			);
			CREATE INDEX sensor_files_session ON sensor_files (session_id);
			CREATE INDEX sensor_files_deleted ON sensor_files (deleted_at) WHERE deleted_at IS NOT NULL;
		`);
	},
	async down(client) {
		await client.query(`
			DROP TABLE IF EXISTS sensor_files;
			ALTER TABLE videos
				DROP COLUMN upload_id, DROP COLUMN state, DROP COLUMN progress_percent, DROP COLUMN failure_code,
				DROP COLUMN failure_reason, DROP COLUMN size_bytes, DROP COLUMN output_prefix, DROP COLUMN audio_key,
				DROP COLUMN thumbnail_key, DROP COLUMN quick_playlist_key, DROP COLUMN playlist_key,
				DROP COLUMN rotation_degrees, DROP COLUMN recorded_at, DROP COLUMN audio_ready_at, DROP COLUMN processed_at, DROP COLUMN attempts;
			DROP TYPE IF EXISTS video_state;
		`);
	}
};
