import type { Migration } from "../lib/db/migrator";

/** The services whose facts other services act on, beyond the teaching ones of 0018. */
const OUTBOX_SERVICES = ["sessions", "media", "community"] as const;

/**
 * Outboxes, as 0018 made them for the teaching services, for `sessions.deleted` and
 * `media.video_deleted` (a deleted session's recordings, sensor files, metrics, feedback and
 * assignment links go only when those arrive; announced after the commit, a node dying in between
 * left them behind for good) and for the community's answers, comments and accepts (each a
 * notice). The tables are those of 0018, written out again because a shipped migration is never
 * changed, so this one must not depend on its code.
 */
export const moreEventOutboxesSchema: Migration = {
	name: "0020-more-event-outboxes",
	async up(client) {
		for (const service of OUTBOX_SERVICES) {
			await client.query(`
				CREATE TABLE ${service}_outbox (
					event_id uuid PRIMARY KEY,
					channel text NOT NULL,
					event jsonb NOT NULL,
					recorded_by uuid,
					recorded_at timestamptz NOT NULL DEFAULT now(),
					claimed_until timestamptz
				);
				CREATE INDEX ${service}_outbox_due ON ${service}_outbox (recorded_at);
				CREATE POLICY ${service}_outbox_record ON ${service}_outbox FOR INSERT TO etude_app
					WITH CHECK (recorded_by = etude_acting_user() OR etude_acting_system() = '${service}');
				CREATE POLICY ${service}_outbox_relay ON ${service}_outbox FOR ALL TO etude_app
					USING (etude_acting_system() = '${service}') WITH CHECK (etude_acting_system() = '${service}');
				ALTER TABLE ${service}_outbox ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
			`);
		}
	},
	async down(client) {
		for (const service of OUTBOX_SERVICES) await client.query(`DROP TABLE IF EXISTS ${service}_outbox`);
	}
};
