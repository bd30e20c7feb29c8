import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { Op, type Transaction } from "sequelize";
import type { DomainEvent } from "../../lib/domain-events";
import type { NodeConfig } from "../../lib/node-config";
import { Cron } from "../../mixins/cron.mixin";
import { DbMixin } from "../../mixins/db.mixin";
import type { PersonProfile } from "../auth.service";
import { defineNotificationModels, type NotificationModels } from "./models";
import { LOCKED_CATEGORIES, noticesFor, TRIGGER_CHANNELS, URGENCY, type Category, type Notice, type NoticeLink, type PushChannel, type TriggerChannel } from "./notices";
import {
	apnsAdapter,
	fcmAdapter,
	webPushSender,
	type DevicePlatform,
	type DevicePushAdapter,
	type PushMessage,
	type SendOutcome,
	type WebPushTarget
} from "./push-senders";
import { quietHoursRelease } from "./quiet-hours";

/** Deliveries claimed per round; a full round is followed by another at once. */
const CLAIM_BATCH = 100;
const SEND_EVERY_MS = 1000;
const PRUNE_EVERY_MS = 3_600_000;
/** Old notifications deleted per transaction, so a first run over a large inbox holds no long lock. */
const FORGET_BATCH_SIZE = 1_000;
/** A sender killed mid-send leaves its claims to others after this long. */
const LEASE_MS = 30_000;
/** Attempts for passing failures (429, 5xx, the network), spaced 10 s, 20 s, 40 s, 80 s. */
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 10_000;
/** Web Push's own default is four weeks; a notice without an end is worth three days at most. */
const DEFAULT_TTL_SECONDS = 3 * 86_400;

/** One claimed push with what it takes to send it. */
interface ClaimedDelivery {
	notificationId: string;
	channel: PushChannel;
	target: string;
	attempts: number;
	title: string;
	body: string;
	link: NoticeLink;
	category: Category;
	collapseKey: string;
	expiresAt: Date | null;
	readAt: Date | null;
	p256dh: string | null;
	auth: string | null;
	token: string | null;
	platform: DevicePlatform | null;
}

/** Where a recipient's pushes go for one category, read before the notice is recorded. */
interface PushSetup {
	webEndpoints: string[];
	devices: Array<{ installationId: string; platform: DevicePlatform }>;
	quietHours: { startsLocal: string; endsLocal: string } | null;
}

type Outcome = SendOutcome | { status: "suppressed" | "expired"; detail?: string };

/**
 * The trigger consumer and push sender. Every trigger channel is read in the consumer group
 * `notifications` (one copy per cluster), and each notice is recorded once per recipient under
 * the event's eventId (a redelivered event finds its row and adds nothing), together with one
 * outbox row per push target, in the same transaction. Pushes are then claimed from the outbox
 * (FOR UPDATE SKIP LOCKED, with a lease) and sent: at once for a new notice, every second for
 * held ones (quiet hours, retries) and for those a killed node had claimed. At send time a push is
 * dropped if its notice was read in the app meanwhile or its lesson has begun.
 */
export default function notificationsDeliveryService(config: NodeConfig): ServiceSchema {
	return {
		name: "notifications-delivery",
		mixins: [
			DbMixin(defineNotificationModels),
			Cron({
				send: { everyMs: SEND_EVERY_MS, method: "sendDue", runAtStart: true },
				prune: { everyMs: PRUNE_EVERY_MS, method: "pruneStaleDevices", runAtStart: true },
				forget: { everyMs: PRUNE_EVERY_MS, method: "forgetOldNotifications", runAtStart: true }
			})
		],

		channels: Object.fromEntries(
			TRIGGER_CHANNELS.map((channel) => [
				channel,
				{
					group: "notifications",
					async handler(this: { receive(channel: TriggerChannel, event: DomainEvent<TriggerChannel>): Promise<void> }, ctx: Context<DomainEvent<TriggerChannel>>) {
						await this.receive(channel, ctx.params);
					}
				}
			])
		),

		methods: {
			async receive(channel: TriggerChannel, event: DomainEvent<TriggerChannel>): Promise<void> {
				if (typeof event?.eventId !== "string" || event.eventId.length === 0 || event.eventId.length > 200) {
					// Nothing to deduplicate it by, and nothing a redelivery could fix.
					this.logger.error(`Dropping a ${channel} message without an eventId`, event);
					return;
				}
				let notices: Notice[];
				try {
					notices = noticesFor(channel, event);
				} catch (error) {
					this.logger.error(`Dropping a malformed ${channel} message`, error, event);
					return;
				}
				const recorded: string[] = [];
				for (const notice of notices) {
					const id = await this.record(notice);
					if (id) recorded.push(id);
				}
				if (recorded.length === 0) return;
				// The message is settled once recorded; sending is the outbox's job and retried by the timer.
				await this.sendDue(recorded).catch((error: unknown) => this.logger.warn("Sending new pushes failed; the timer retries", error));
			},

			/** Records a notice and its planned pushes; answers its id when it is new. */
			async record(notice: Notice): Promise<string | undefined> {
				const nowMs = Date.now();
				if (notice.expiresAt && notice.expiresAt.getTime() <= nowMs) {
					this.logger.info(`Not delivering ${notice.category} ${notice.dedupeKey}: its lesson has begun`);
					return undefined;
				}
				const setup: PushSetup = await this.pushSetup(notice.recipientId, notice.category);
				const deviceNotBefore = setup.quietHours && setup.devices.length > 0 ? await this.quietRelease(notice.recipientId, setup.quietHours, nowMs) : nowMs;
				const { Notification, PushDelivery } = this.models as NotificationModels;
				const id = randomUUID();
				return this.asSystem(async (transaction: Transaction) => {
					await Notification.bulkCreate([{ ...notice, id }], { ignoreDuplicates: true, transaction });
					const stored = (await Notification.findOne({ attributes: ["id"], where: { recipientId: notice.recipientId, dedupeKey: notice.dedupeKey }, raw: true, transaction })) as { id: string } | null;
					if (stored?.id !== id) return undefined;
					const deliveries = [
						...setup.webEndpoints.map((endpoint) => ({ channel: "web", target: endpoint, notBefore: new Date(nowMs) })),
						...setup.devices.map((device) => ({ channel: "device", target: device.installationId, notBefore: new Date(deviceNotBefore) }))
					].map((delivery) => ({ ...delivery, notificationId: id, recipientId: notice.recipientId }));
					if (deliveries.length > 0) await PushDelivery.bulkCreate(deliveries, { ignoreDuplicates: true, transaction });
					return id;
				});
			},

			async pushSetup(recipientId: string, category: Category): Promise<PushSetup> {
				const { Preference, QuietHours, WebPushSubscription, DeviceToken } = this.models as NotificationModels;
				const staleBefore = new Date(Date.now() - config.deviceTokenStaleDays * 86_400_000);
				const adapters = this.deviceAdapters as Map<DevicePlatform, DevicePushAdapter>;
				return this.asSystem(async (transaction: Transaction) => {
					const off = LOCKED_CATEGORIES.has(category)
						? []
						: ((await Preference.findAll({ attributes: ["channel"], where: { userId: recipientId, category, enabled: false }, raw: true, transaction })) as unknown as Array<{ channel: PushChannel }>);
					const disabled = new Set(off.map((row) => row.channel));
					const webEndpoints = disabled.has("web")
						? []
						: ((await WebPushSubscription.findAll({ attributes: ["endpoint"], where: { userId: recipientId }, raw: true, transaction })) as unknown as Array<{ endpoint: string }>).map((row) => row.endpoint);
					const devices =
						disabled.has("device") || adapters.size === 0
							? []
							: ((await DeviceToken.findAll({
									attributes: ["installationId", "platform"],
									where: { userId: recipientId, platform: [...adapters.keys()], lastSeenAt: { [Op.gte]: staleBefore } },
									raw: true,
									transaction
								})) as unknown as PushSetup["devices"]);
					const quietHours = (await QuietHours.findOne({ attributes: ["startsLocal", "endsLocal"], where: { userId: recipientId }, raw: true, transaction })) as PushSetup["quietHours"];
					return { webEndpoints, devices, quietHours };
				});
			},

			/** The end of the recipient's quiet hours in their own zone (auth knows it), or now. */
			async quietRelease(recipientId: string, quietHours: NonNullable<PushSetup["quietHours"]>, nowMs: number): Promise<number> {
				const [profile] = (await this.broker.call("auth.profilesOf", { userIds: [recipientId] })) as PersonProfile[];
				return quietHoursRelease(quietHours, profile?.timezone ?? "UTC", nowMs);
			},

			/** Claims due pushes (of the given notices only, when named) and sends them, round after round. */
			async sendDue(notificationIds?: string[]): Promise<void> {
				for (;;) {
					const claimed: ClaimedDelivery[] = await this.claimDue(notificationIds);
					if (claimed.length === 0) return;
					await Promise.all(claimed.map(async (delivery) => this.settle(delivery, await this.deliver(delivery))));
					if (claimed.length < CLAIM_BATCH) return;
				}
			},

			/** Raw SQL: FOR UPDATE SKIP LOCKED and a data-modifying CTE have no builder form. */
			async claimDue(notificationIds?: string[]): Promise<ClaimedDelivery[]> {
				const only = notificationIds ? "AND notification_id = ANY(:ids::uuid[])" : "";
				return this.queryAsSystem(
					`WITH due AS (
						SELECT notification_id, channel, target FROM push_deliveries
						WHERE status = 'pending' AND not_before <= now() AND (lease_until IS NULL OR lease_until < now()) ${only}
						ORDER BY not_before LIMIT :limit FOR UPDATE SKIP LOCKED
					 ), claimed AS (
						UPDATE push_deliveries d SET lease_until = now() + :leaseMs * interval '1 millisecond', attempts = d.attempts + 1
						FROM due WHERE d.notification_id = due.notification_id AND d.channel = due.channel AND d.target = due.target
						RETURNING d.*
					 )
					 SELECT c.notification_id AS "notificationId", c.channel, c.target, c.attempts,
					        n.title, n.body, n.link, n.category, n.collapse_key AS "collapseKey", n.expires_at AS "expiresAt", n.read_at AS "readAt",
					        s.p256dh, s.auth, t.token, t.platform
					 FROM claimed c JOIN notifications n ON n.id = c.notification_id
					 LEFT JOIN web_push_subscriptions s ON c.channel = 'web' AND s.endpoint = c.target AND s.user_id = c.recipient_id
					 LEFT JOIN device_push_tokens t ON c.channel = 'device' AND t.installation_id = c.target AND t.user_id = c.recipient_id`,
					{ limit: CLAIM_BATCH, leaseMs: LEASE_MS, ids: notificationIds ? `{${notificationIds.join(",")}}` : null }
				);
			},

			async deliver(delivery: ClaimedDelivery): Promise<Outcome> {
				if (delivery.readAt) return { status: "suppressed", detail: "read in the app" };
				const ttlSeconds = delivery.expiresAt ? Math.floor((new Date(delivery.expiresAt).getTime() - Date.now()) / 1000) : DEFAULT_TTL_SECONDS;
				if (ttlSeconds <= 0) return { status: "expired" };
				const message: PushMessage = {
					notificationId: delivery.notificationId,
					title: delivery.title,
					body: delivery.body,
					link: delivery.link,
					category: delivery.category,
					collapseKey: delivery.collapseKey,
					urgency: URGENCY[delivery.category] ?? "normal",
					ttlSeconds: Math.min(ttlSeconds, DEFAULT_TTL_SECONDS)
				};
				if (delivery.channel === "web") {
					if (!delivery.p256dh || !delivery.auth) return { status: "gone", detail: "subscription removed" };
					const sendWebPush = this.sendWebPush as ((target: WebPushTarget, message: PushMessage) => Promise<SendOutcome>) | undefined;
					if (!sendWebPush) return { status: "failed", detail: "Web Push is not configured" };
					return sendWebPush({ endpoint: delivery.target, p256dh: delivery.p256dh, auth: delivery.auth }, message);
				}
				if (!delivery.token || !delivery.platform) return { status: "gone", detail: "device removed" };
				const adapter = (this.deviceAdapters as Map<DevicePlatform, DevicePushAdapter>).get(delivery.platform);
				if (!adapter) return { status: "failed", detail: `no ${delivery.platform} push configured` };
				return adapter.send(delivery.token, message);
			},

			/** Writes how a claimed push ended; a target the push service says is gone is removed. */
			async settle(delivery: ClaimedDelivery, outcome: Outcome): Promise<void> {
				const { PushDelivery, WebPushSubscription, DeviceToken } = this.models as NotificationModels;
				const key = { notificationId: delivery.notificationId, channel: delivery.channel, target: delivery.target, status: "pending" };
				const detail = "detail" in outcome ? (outcome.detail ?? null) : null;
				if (outcome.status === "failed") this.logger.error(`A ${delivery.channel} push was refused: ${detail}`);
				await this.asSystem(async (transaction: Transaction) => {
					if (outcome.status === "retry" && delivery.attempts < MAX_ATTEMPTS) {
						const notBefore = new Date(Date.now() + RETRY_BASE_MS * 2 ** (delivery.attempts - 1));
						await PushDelivery.update({ notBefore, leaseUntil: null, lastError: detail }, { where: key, transaction });
						return;
					}
					const status = outcome.status === "retry" ? "failed" : outcome.status;
					await PushDelivery.update({ status, leaseUntil: null, finishedAt: new Date(), lastError: detail }, { where: key, transaction });
					// Only the subscription the push service refused: a browser that re-subscribed meanwhile (new
					// keys, or now someone else's) keeps its row.
					if (outcome.status === "gone" && delivery.channel === "web" && delivery.p256dh) {
						await WebPushSubscription.destroy({ where: { endpoint: delivery.target, p256dh: delivery.p256dh }, transaction });
					}
					if (outcome.status === "gone" && delivery.channel === "device" && delivery.token) {
						// By token too: the installation may have registered a fresh one meanwhile.
						await DeviceToken.destroy({ where: { installationId: delivery.target, token: delivery.token }, transaction });
					}
				});
			},

			/** Installations not seen for DEVICE_TOKEN_STALE_DAYS: FCM drops tokens idle for 270 days, we earlier. */
			async pruneStaleDevices(): Promise<void> {
				const { DeviceToken } = this.models as NotificationModels;
				const before = new Date(Date.now() - config.deviceTokenStaleDays * 86_400_000);
				const removed = await this.asSystem((transaction: Transaction) => DeviceToken.destroy({ where: { lastSeenAt: { [Op.lt]: before } }, transaction }));
				if (removed > 0) this.logger.info(`Removed ${removed} device tokens not seen for ${config.deviceTokenStaleDays} days`);
			},

			/** The inbox keeps NOTIFICATIONS_KEPT_DAYS; older notices go with their pushes, a batch per transaction. */
			async forgetOldNotifications(): Promise<number> {
				const { Notification } = this.models as NotificationModels;
				const before = new Date(Date.now() - config.notificationsKeptDays * 86_400_000);
				let forgotten = 0;
				for (;;) {
					const removed = await this.asSystem(async (transaction: Transaction) => {
						const batch = (await Notification.findAll({ attributes: ["id"], where: { createdAt: { [Op.lt]: before } }, limit: FORGET_BATCH_SIZE, raw: true, transaction })) as unknown as Array<{ id: string }>;
						if (batch.length === 0) return 0;
						return Notification.destroy({ where: { id: batch.map((row) => row.id) }, transaction });
					});
					forgotten += removed;
					if (removed < FORGET_BATCH_SIZE) break;
				}
				if (forgotten > 0) this.logger.info(`Forgot ${forgotten} notifications older than ${config.notificationsKeptDays} days`);
				return forgotten;
			}
		},

		created() {
			this.sendWebPush = config.vapid ? webPushSender(config.vapid) : undefined;
			const adapters = new Map<DevicePlatform, DevicePushAdapter>();
			if (config.fcmServiceAccountFile) adapters.set("android", fcmAdapter(config.fcmServiceAccountFile));
			if (config.apns) adapters.set("ios", apnsAdapter(config.apns));
			this.deviceAdapters = adapters;
			if (adapters.size === 0) this.logger.info("Device push is off: neither FCM_SERVICE_ACCOUNT_FILE nor APNS_* is set");
		},

		async stopped() {
			await Promise.all([...(this.deviceAdapters as Map<DevicePlatform, DevicePushAdapter>).values()].map((adapter) => adapter.close()));
		}
	};
}
