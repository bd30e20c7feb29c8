import type { Context, ServiceSchema } from "moleculer";
import { Op, type Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import type { DomainEvent } from "../../lib/domain-events";
import { ValidationFailedError } from "../../lib/errors";
import type { NodeConfig } from "../../lib/node-config";
import { DbMixin } from "../../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { CategoryLockedError, DeviceTokenFormatError, NotificationNotFoundError, SubscriptionKeysError } from "./errors";
import { defineNotificationModels, type NotificationModels, type NotificationRow } from "./models";
import { CATEGORIES, LOCKED_CATEGORIES, PUSH_CHANNELS, type Category, type PushChannel } from "./notices";
import { APNS_TOKEN, isKnownPushService } from "./push-senders";

type NotificationContext<P = Record<string, never>> = Context<P, EtudeMeta>;

export interface NotificationView {
	id: string;
	category: string;
	title: string;
	body: string;
	link: Record<string, unknown>;
	createdAt: string;
	seenAt: string | null;
	readAt: string | null;
}

export interface InboxPage {
	items: NotificationView[];
	/** Unseen before this request (opening the list marks them seen). */
	unseenCount: number;
	page: number;
	pageSize: number;
	hasMore: boolean;
}

export interface PreferencesView {
	categories: Array<{ category: Category; locked: boolean; channels: Record<PushChannel, boolean> }>;
	quietHours: { startsLocal: string; endsLocal: string } | null;
}

const VIEW_ATTRIBUTES = ["id", "category", "title", "body", "link", "createdAt", "seenAt", "readAt"];
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const BASE64URL = /^[A-Za-z0-9_-]+=*$/;

function viewOf(row: NotificationRow): NotificationView {
	const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);
	return { id: row.id, category: row.category, title: row.title, body: row.body, link: row.link, createdAt: new Date(row.createdAt).toISOString(), seenAt: iso(row.seenAt), readAt: iso(row.readAt) };
}

/** An uncompressed P-256 point (65 bytes, 0x04 first) and a 16-byte auth secret. */
function isWebPushKeyPair(p256dh: string, auth: string): boolean {
	if (!BASE64URL.test(p256dh) || !BASE64URL.test(auth)) return false;
	const point = Buffer.from(p256dh, "base64url");
	return point.length === 65 && point[0] === 4 && Buffer.from(auth, "base64url").length === 16;
}

/**
 * The inbox and the person's push settings. Delivery (the trigger consumer and the push sender)
 * is notifications-delivery's job; both work on the tables of migrations/0008.
 */
export default function notificationsService(config: NodeConfig): ServiceSchema {
	const subscriptionEndpoint = {
		type: "url",
		max: 2000,
		// Only the browsers' push services in production; tests and development use local stand-ins.
		custom: (value: string, errors: Array<{ type: string; actual: unknown }>) => {
			if (config.env === "production" && !isKnownPushService(value)) errors.push({ type: "pushService", actual: value });
			return value;
		},
		messages: { pushService: "The '{field}' field must be the https:// address of a browser's push service." }
	};
	return {
		name: "notifications",
		mixins: [DbMixin(defineNotificationModels), PersonalDataMixin()],
		settings: { rest: "/" },

		actions: {
			list: {
				rest: "GET /notifications",
				permissions: ["authenticated"],
				openapi: {
					summary: "The caller's notifications, newest first, and how many were unseen",
					description: "Opening the list marks every notification seen (the bell's count drops to 0); `markSeen=false` only looks, as the bell does."
				},
				params: {
					$$strict: true,
					page: { type: "number", integer: true, min: 1, max: 10_000, convert: true, default: 1 },
					pageSize: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 },
					markSeen: { type: "boolean", convert: true, default: true }
				},
				async handler(ctx: NotificationContext<{ page: number; pageSize: number; markSeen: boolean }>): Promise<InboxPage> {
					const { page, pageSize, markSeen } = ctx.params;
					const { Notification } = this.models as NotificationModels;
					const recipientId = ctx.meta.user!.id;
					return this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						const rows = (await Notification.findAll({
							attributes: VIEW_ATTRIBUTES,
							where: { recipientId },
							order: [["createdAt", "DESC"], ["id", "DESC"]],
							offset: (page - 1) * pageSize,
							limit: pageSize + 1,
							raw: true,
							transaction
						})) as unknown as NotificationRow[];
						const unseenCount = await Notification.count({ where: { recipientId, seenAt: null }, transaction });
						if (markSeen && unseenCount > 0) await Notification.update({ seenAt: new Date() }, { where: { recipientId, seenAt: null }, transaction });
						return { items: rows.slice(0, pageSize).map(viewOf), unseenCount, page, pageSize, hasMore: rows.length > pageSize };
					});
				}
			},

			read: {
				rest: "POST /notifications/:id/read",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Mark one notification read (it was clicked); its pushes not yet sent are dropped" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: NotificationContext<{ id: string }>): Promise<NotificationView> {
					const { Notification } = this.models as NotificationModels;
					const now = new Date();
					return this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						await Notification.update({ readAt: now }, { where: { id: ctx.params.id, readAt: null }, transaction });
						await Notification.update({ seenAt: now }, { where: { id: ctx.params.id, seenAt: null }, transaction });
						return viewOf((await Notification.findOne({ attributes: VIEW_ATTRIBUTES, where: { id: ctx.params.id }, raw: true, transaction })) as unknown as NotificationRow);
					});
				}
			},

			readAll: {
				rest: "POST /notifications/read-all",
				permissions: ["authenticated"],
				openapi: { summary: "Mark every notification of the caller read (and seen)" },
				params: { $$strict: true },
				async handler(ctx: NotificationContext): Promise<{ updated: number }> {
					const { Notification } = this.models as NotificationModels;
					const recipientId = ctx.meta.user!.id;
					const now = new Date();
					return this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						const [updated] = await Notification.update({ readAt: now }, { where: { recipientId, readAt: null }, transaction });
						await Notification.update({ seenAt: now }, { where: { recipientId, seenAt: null }, transaction });
						return { updated };
					});
				}
			},

			preferences: {
				rest: "GET /notifications/preferences",
				permissions: ["authenticated"],
				openapi: { summary: "Push switches per category and channel (web, device) and the caller's quiet hours" },
				params: { $$strict: true },
				async handler(ctx: NotificationContext): Promise<PreferencesView> {
					return this.preferencesOf(ctx);
				}
			},

			setPreferences: {
				rest: "PUT /notifications/preferences",
				permissions: ["authenticated"],
				openapi: {
					summary: "Change push switches and quiet hours",
					description:
						"Only the switches given change. Lesson cancellations and security notices cannot be switched off (ERR_CATEGORY_LOCKED). Quiet hours (local times in the caller's zone, may span midnight) hold device pushes until they end; `null` removes them."
				},
				params: {
					$$strict: true,
					switches: {
						type: "array",
						max: CATEGORIES.length * PUSH_CHANNELS.length,
						default: [],
						items: { type: "object", strict: true, props: { category: { type: "enum", values: CATEGORIES }, channel: { type: "enum", values: PUSH_CHANNELS }, enabled: "boolean" } }
					},
					quietHours: {
						type: "object",
						strict: true,
						optional: true,
						nullable: true,
						props: { startsLocal: { type: "string", pattern: LOCAL_TIME }, endsLocal: { type: "string", pattern: LOCAL_TIME } }
					}
				},
				async handler(
					ctx: NotificationContext<{ switches: Array<{ category: Category; channel: PushChannel; enabled: boolean }>; quietHours?: { startsLocal: string; endsLocal: string } | null }>
				): Promise<PreferencesView> {
					const { switches, quietHours } = ctx.params;
					const locked = switches.find((entry) => LOCKED_CATEGORIES.has(entry.category) && !entry.enabled);
					if (locked) throw new CategoryLockedError(locked.category);
					if (quietHours && quietHours.startsLocal === quietHours.endsLocal) {
						throw new ValidationFailedError("Quiet hours must end at another time than they start", [{ field: "quietHours.endsLocal", message: "must differ from startsLocal" }]);
					}
					const { Preference, QuietHours } = this.models as NotificationModels;
					const userId = ctx.meta.user!.id;
					await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => {
						for (const entry of switches.filter((candidate) => !LOCKED_CATEGORIES.has(candidate.category))) {
							await Preference.upsert({ userId, ...entry }, { transaction });
						}
						if (quietHours === null) await QuietHours.destroy({ where: { userId }, transaction });
						else if (quietHours) await QuietHours.upsert({ userId, ...quietHours }, { transaction });
					});
					return this.preferencesOf(ctx);
				}
			},

			subscribeWebPush: {
				rest: "POST /notifications/web-push-subscriptions",
				permissions: ["authenticated"],
				openapi: {
					summary: "Register this browser for Web Push (the PushSubscription's JSON)",
					description: "One subscription per browser endpoint: a browser subscribed by someone else before now delivers to the caller."
				},
				params: {
					$$strict: "remove",
					endpoint: subscriptionEndpoint,
					keys: { type: "object", strict: true, props: { p256dh: { type: "string", max: 200 }, auth: { type: "string", max: 100 } } }
				},
				async handler(ctx: NotificationContext<{ endpoint: string; keys: { p256dh: string; auth: string } }>): Promise<{ endpoint: string }> {
					const { endpoint, keys } = ctx.params;
					if (!isWebPushKeyPair(keys.p256dh, keys.auth)) throw new SubscriptionKeysError();
					// As the service: the endpoint's row may still name the browser's previous user.
					await this.asSystem((transaction: Transaction) =>
						(this.models as NotificationModels).WebPushSubscription.upsert(
							{ userId: ctx.meta.user!.id, endpoint, p256dh: keys.p256dh, auth: keys.auth, updatedAt: new Date() },
							{ conflictFields: ["endpoint"], transaction }
						)
					);
					// 200, not 201, as for an app's device token: the subscription is registered again at every start and
					// is never read back, only deleted by its endpoint.
					return { endpoint };
				}
			},

			unsubscribeWebPush: {
				rest: "DELETE /notifications/web-push-subscriptions",
				permissions: ["authenticated"],
				openapi: { summary: "Stop Web Push to this browser (the caller's own subscription only)" },
				params: { $$strict: true, endpoint: { type: "url", max: 2000 } },
				async handler(ctx: NotificationContext<{ endpoint: string }>): Promise<void> {
					await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						(this.models as NotificationModels).WebPushSubscription.destroy({ where: { endpoint: ctx.params.endpoint, userId: ctx.meta.user!.id }, transaction })
					);
					ctx.meta.$statusCode = 204;
				}
			},

			registerDevice: {
				rest: "POST /notifications/devices",
				permissions: ["authenticated"],
				openapi: {
					summary: "Register this app installation's push token (at every start; it updates the last-seen time)",
					description:
						"`platform: ios` takes the APNs device token @capacitor/push-notifications hands out on iOS (64 hex digits), `android` an FCM registration token; one posted as the other is refused (ERR_DEVICE_TOKEN_FORMAT)."
				},
				params: {
					$$strict: true,
					installationId: { type: "string", min: 8, max: 200, pattern: /^[A-Za-z0-9._:-]+$/ },
					platform: { type: "enum", values: ["ios", "android"] },
					token: { type: "string", min: 32, max: 4096, pattern: /^[A-Za-z0-9_:.-]+$/ }
				},
				async handler(ctx: NotificationContext<{ installationId: string; platform: "ios" | "android"; token: string }>): Promise<{ installationId: string; lastSeenAt: string }> {
					const { installationId, platform, token } = ctx.params;
					if ((platform === "ios") !== APNS_TOKEN.test(token)) throw new DeviceTokenFormatError(platform);
					const lastSeenAt = new Date();
					// As the service: the installation may have been signed in as someone else before.
					await this.asSystem((transaction: Transaction) =>
						(this.models as NotificationModels).DeviceToken.upsert({ installationId, userId: ctx.meta.user!.id, platform, token: platform === "ios" ? token.toLowerCase() : token, lastSeenAt }, { transaction })
					);
					return { installationId, lastSeenAt: lastSeenAt.toISOString() };
				}
			},

			webPushKey: {
				rest: "GET /notifications/web-push-key",
				permissions: ["authenticated"],
				openapi: { summary: "The server's VAPID public key, for PushManager.subscribe({ applicationServerKey })" },
				params: { $$strict: true },
				handler(): { publicKey: string } {
					return { publicKey: config.vapid!.publicKey };
				}
			}
		},

		methods: {
			/** Read as the caller: row-level security hides someone else's notification, which is then not found, like every other entity. */
			async findEntity(ctx: NotificationContext<{ id: string }>): Promise<{ id: string; recipientId: string }> {
				const row = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
					(this.models as NotificationModels).Notification.findOne({ attributes: ["id", "recipientId"], where: { id: ctx.params.id }, raw: true, transaction })
				);
				if (!row) throw new NotificationNotFoundError();
				return row;
			},

			isEntityOwner(ctx: NotificationContext): boolean {
				return (ctx.locals.entity as { recipientId: string }).recipientId === ctx.meta.user!.id;
			},

			async preferencesOf(ctx: NotificationContext): Promise<PreferencesView> {
				const { Preference, QuietHours } = this.models as NotificationModels;
				const userId = ctx.meta.user!.id;
				const { off, quietHours } = await this.transactionAs(this.ownActor(ctx), async (transaction: Transaction) => ({
					off: (await Preference.findAll({ attributes: ["category", "channel"], where: { userId, enabled: false }, raw: true, transaction })) as unknown as Array<{ category: string; channel: string }>,
					quietHours: (await QuietHours.findOne({ attributes: ["startsLocal", "endsLocal"], where: { userId }, raw: true, transaction })) as PreferencesView["quietHours"]
				}));
				const isOff = (category: Category, channel: PushChannel) => !LOCKED_CATEGORIES.has(category) && off.some((row: { category: string; channel: string }) => row.category === category && row.channel === channel);
				return {
					categories: CATEGORIES.map((category) => ({
						category,
						locked: LOCKED_CATEGORIES.has(category),
						channels: Object.fromEntries(PUSH_CHANNELS.map((channel) => [channel, !isOff(category, channel)])) as Record<PushChannel, boolean>
					})),
					quietHours
				};
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { Notification, Preference, QuietHours, WebPushSubscription, DeviceToken, PushDelivery } = this.models as NotificationModels;
				return this.asSystem(async (transaction: Transaction) => ({
					tables: {
						notifications: await Notification.findAll({ where: { recipientId: userId }, raw: true, transaction }),
						notification_preferences: await Preference.findAll({ where: { userId }, raw: true, transaction }),
						notification_quiet_hours: await QuietHours.findAll({ where: { userId }, raw: true, transaction }),
						web_push_subscriptions: await WebPushSubscription.findAll({ attributes: ["endpoint", "createdAt", "updatedAt"], where: { userId }, raw: true, transaction }),
						device_push_tokens: await DeviceToken.findAll({ attributes: ["installationId", "platform", "createdAt", "lastSeenAt"], where: { userId }, raw: true, transaction }),
						push_deliveries: await PushDelivery.findAll({ attributes: ["notificationId", "channel", "status", "createdAt", "finishedAt"], where: { recipientId: userId }, raw: true, transaction })
					}
				}));
			},

			async purgePersonalData(event: DomainEvent<"accounts.purge">): Promise<void> {
				const { userId } = event;
				const { Notification, Preference, QuietHours, WebPushSubscription, DeviceToken } = this.models as NotificationModels;
				await this.asSystem(async (transaction: Transaction) => {
					// Deliveries go with their notifications (ON DELETE CASCADE).
					await Notification.destroy({ where: { [Op.or]: [{ recipientId: userId }, { aboutUserId: userId }] }, transaction });
					await Preference.destroy({ where: { userId }, transaction });
					await QuietHours.destroy({ where: { userId }, transaction });
					await WebPushSubscription.destroy({ where: { userId }, transaction });
					await DeviceToken.destroy({ where: { userId }, transaction });
				});
			}
		}
	};
}
