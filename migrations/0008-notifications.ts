import type { Migration } from "../lib/db/migrator";

/** The inbox API and the trigger consumer / push sender, doing their own work. */
const SERVICE_ACTORS = "etude_acting_system() IN ('notifications', 'notifications-delivery')";
const TABLES = [
	"notifications",
	"notification_preferences",
	"notification_quiet_hours",
	"web_push_subscriptions",
	"device_push_tokens",
	"push_deliveries"
];

/**
 * Notifications (services/notifications): what reaches a person.
 *
 * - `notifications`: the in-app inbox. `dedupe_key` (the triggering event's eventId) is unique per
 *   recipient, so a redelivered event inserts nothing (INSERT … ON CONFLICT DO NOTHING).
 *   `seen_at` is set when the list is opened, `read_at` when the item is clicked or all are read.
 * - `notification_preferences`: only the switches a person changed (category × push channel);
 *   no row means on. Locked categories are refused by the API, not stored.
 * - `notification_quiet_hours`: a local-time window in the person's own zone holding device pushes.
 * - `web_push_subscriptions`: one per browser endpoint (a browser re-subscribing as someone else
 *   moves it), removed only when the push service answers 404 or 410.
 * - `device_push_tokens`: one per app installation (upserted at each registration, last_seen_at),
 *   pruned when not seen for DEVICE_TOKEN_STALE_DAYS.
 * - `push_deliveries`: the push outbox, one row per (notification, channel, target), so each push
 *   is planned once however often its event arrives; a sender claims due rows with a lease.
 *
 * Policies: people see and change their own rows; the services' own work runs as the system actors.
 */
export const notificationsSchema: Migration = {
	name: "0008-notifications",
	async up(client) {
		await client.query(`
			CREATE TABLE notifications (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				recipient_id uuid NOT NULL,
				-- Whose activity or data the notice is about, when that is someone else (a student's
				-- reply told to their teacher): it goes when that person's account is purged.
				about_user_id uuid,
				category text NOT NULL,
				title text NOT NULL,
				body text NOT NULL DEFAULT '',
				-- Where the app goes on a click: a route name and its ids, never a URL from outside.
				link jsonb NOT NULL DEFAULT '{}',
				dedupe_key text NOT NULL,
				-- Pushes with the same key replace each other on the device (Web Push topic, APNs collapse id, FCM collapse key).
				collapse_key text NOT NULL,
				-- No push after this (a lesson reminder: when the lesson starts).
				expires_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now(),
				seen_at timestamptz,
				read_at timestamptz,
				UNIQUE (recipient_id, dedupe_key)
			);
			CREATE INDEX notifications_inbox ON notifications (recipient_id, created_at DESC, id DESC);
			CREATE INDEX notifications_unseen ON notifications (recipient_id) WHERE seen_at IS NULL;
			CREATE INDEX notifications_about ON notifications (about_user_id) WHERE about_user_id IS NOT NULL;

			CREATE TABLE notification_preferences (
				user_id uuid NOT NULL,
				category text NOT NULL,
				channel text NOT NULL CHECK (channel IN ('web', 'device')),
				enabled boolean NOT NULL,
				updated_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (user_id, category, channel)
			);

			CREATE TABLE notification_quiet_hours (
				user_id uuid PRIMARY KEY,
				starts_local text NOT NULL CHECK (starts_local ~ '^\\d{2}:\\d{2}$'),
				ends_local text NOT NULL CHECK (ends_local ~ '^\\d{2}:\\d{2}$'),
				updated_at timestamptz NOT NULL DEFAULT now(),
				CHECK (starts_local <> ends_local)
			);

			CREATE TABLE web_push_subscriptions (
				id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
				user_id uuid NOT NULL,
				endpoint text NOT NULL UNIQUE,
				p256dh text NOT NULL,
				auth text NOT NULL,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX web_push_subscriptions_user ON web_push_subscriptions (user_id);

			CREATE TABLE device_push_tokens (
				installation_id text PRIMARY KEY,
				user_id uuid NOT NULL,
				platform text NOT NULL CHECK (platform IN ('ios', 'android')),
				token text NOT NULL,
				created_at timestamptz NOT NULL DEFAULT now(),
				last_seen_at timestamptz NOT NULL DEFAULT now()
			);
			CREATE INDEX device_push_tokens_user ON device_push_tokens (user_id);
			CREATE INDEX device_push_tokens_seen ON device_push_tokens (last_seen_at);

			CREATE TABLE push_deliveries (
				notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
				channel text NOT NULL CHECK (channel IN ('web', 'device')),
				-- The subscription endpoint or the installation id.
				target text NOT NULL,
				recipient_id uuid NOT NULL,
				status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'suppressed', 'expired', 'gone', 'failed')),
				-- Held until then (quiet hours, a retry).
				not_before timestamptz NOT NULL DEFAULT now(),
				lease_until timestamptz,
				attempts integer NOT NULL DEFAULT 0,
				created_at timestamptz NOT NULL DEFAULT now(),
				finished_at timestamptz,
				last_error text,
				PRIMARY KEY (notification_id, channel, target)
			);
			CREATE INDEX push_deliveries_due ON push_deliveries (not_before) WHERE status = 'pending';
			CREATE INDEX push_deliveries_recipient ON push_deliveries (recipient_id);

			CREATE POLICY notifications_own ON notifications FOR ALL TO etude_app
				USING (recipient_id = etude_acting_user()) WITH CHECK (recipient_id = etude_acting_user());
			CREATE POLICY notification_preferences_own ON notification_preferences FOR ALL TO etude_app
				USING (user_id = etude_acting_user()) WITH CHECK (user_id = etude_acting_user());
			CREATE POLICY notification_quiet_hours_own ON notification_quiet_hours FOR ALL TO etude_app
				USING (user_id = etude_acting_user()) WITH CHECK (user_id = etude_acting_user());
			CREATE POLICY web_push_subscriptions_own ON web_push_subscriptions FOR ALL TO etude_app
				USING (user_id = etude_acting_user()) WITH CHECK (user_id = etude_acting_user());
			CREATE POLICY device_push_tokens_own ON device_push_tokens FOR ALL TO etude_app
				USING (user_id = etude_acting_user()) WITH CHECK (user_id = etude_acting_user());
			-- People read their own deliveries (an export); only the services write them.
			CREATE POLICY push_deliveries_own ON push_deliveries FOR SELECT TO etude_app
				USING (recipient_id = etude_acting_user());

${TABLES.map((table) => `			CREATE POLICY ${table}_service ON ${table} FOR ALL TO etude_app USING (${SERVICE_ACTORS}) WITH CHECK (${SERVICE_ACTORS});`).join("\n")}

${TABLES.map((table) => `			ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`).join("\n")}
		`);
	},
	async down(client) {
		await client.query(`DROP TABLE IF EXISTS ${[...TABLES].reverse().join(", ")};`);
	}
};
