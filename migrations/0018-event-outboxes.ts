import type { Migration } from "../lib/db/migrator";

/** The services whose facts are recorded in the transaction that makes them (mixins/outbox.mixin.ts). */
const OUTBOX_SERVICES = ["feedback", "assignments", "goals"] as const;

/**
 * A transactional outbox per service: a domain event is written in the same transaction as the
 * change it announces, then sent on its durable channel and deleted. A node that dies between
 * commit and send, or a transporter that is down at that moment, delays the event instead of
 * losing it. Rows name the person whose request recorded them; only that person may insert
 * (nobody reads them but the service's own relay, which runs as its system actor).
 */
export const eventOutboxesSchema: Migration = {
	name: "0018-event-outboxes",
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
