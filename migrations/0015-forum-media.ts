import type { Migration } from "../lib/db/migrator";

/**
 * Pictures and short clips embedded in community posts (`![caption](media:<id>)`), owned by the
 * media service like recordings but tied to no practice session. A row follows its upload:
 * uploading → queued → processing → ready (a re-encoded JPEG, or an MP4 with a poster; the original
 * upload, which may carry EXIF and GPS, is deleted once processed) or failed with a reason.
 *
 * Policies in the style of `videos` (0004): the uploader reads and changes their own rows; the
 * media service's own work (workers, serving signed links, purges) runs as its system actor.
 * Nobody else reads the table: the community asks the media service by action.
 */
export const forumMediaSchema: Migration = {
	name: "0015-forum-media",
	async up(client) {
		await client.query(`
			CREATE TABLE forum_media (
				id uuid PRIMARY KEY,
				owner_id uuid NOT NULL,
				upload_id text UNIQUE NOT NULL,
				kind text NOT NULL CHECK (kind IN ('image', 'clip')),
				state video_state NOT NULL DEFAULT 'uploading',
				size_bytes bigint NOT NULL DEFAULT 0,
				failure_code text,
				failure_reason text,
				width integer,
				height integer,
				duration_s real,
				media_key text,
				poster_key text,
				attempts integer NOT NULL DEFAULT 0,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				deleted_at timestamptz
			);
			CREATE INDEX forum_media_owner_live ON forum_media (owner_id) WHERE deleted_at IS NULL;
			CREATE INDEX forum_media_unfinished ON forum_media (state) WHERE state IN ('queued', 'processing') AND deleted_at IS NULL;
			CREATE INDEX forum_media_deleted ON forum_media (deleted_at) WHERE deleted_at IS NOT NULL;

			CREATE POLICY forum_media_own ON forum_media FOR ALL TO etude_app
				USING (owner_id = etude_acting_user()) WITH CHECK (owner_id = etude_acting_user());
			CREATE POLICY forum_media_service ON forum_media FOR ALL TO etude_app
				USING (etude_acting_system() = 'media') WITH CHECK (etude_acting_system() = 'media');
			ALTER TABLE forum_media ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
		`);
	},
	async down(client) {
		await client.query("DROP TABLE IF EXISTS forum_media");
	}
};
