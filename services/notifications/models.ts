import { DataTypes, type Sequelize } from "sequelize";

/** The notifications tables (migrations/0008-notifications.ts), declared once for both services. */
export function defineNotificationModels(sequelize: Sequelize) {
	const Notification = sequelize.define(
		"Notification",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			recipientId: { type: DataTypes.UUID, allowNull: false },
			aboutUserId: { type: DataTypes.UUID },
			category: { type: DataTypes.TEXT, allowNull: false },
			title: { type: DataTypes.TEXT, allowNull: false },
			body: { type: DataTypes.TEXT, allowNull: false },
			link: { type: DataTypes.JSONB, allowNull: false },
			dedupeKey: { type: DataTypes.TEXT, allowNull: false },
			collapseKey: { type: DataTypes.TEXT, allowNull: false },
			expiresAt: { type: DataTypes.DATE },
			seenAt: { type: DataTypes.DATE },
			readAt: { type: DataTypes.DATE }
		},
		{ tableName: "notifications", updatedAt: false }
	);
	const Preference = sequelize.define(
		"NotificationPreference",
		{
			userId: { type: DataTypes.UUID, primaryKey: true },
			category: { type: DataTypes.TEXT, primaryKey: true },
			channel: { type: DataTypes.TEXT, primaryKey: true },
			enabled: { type: DataTypes.BOOLEAN, allowNull: false }
		},
		{ tableName: "notification_preferences", createdAt: false }
	);
	const QuietHours = sequelize.define(
		"NotificationQuietHours",
		{
			userId: { type: DataTypes.UUID, primaryKey: true },
			startsLocal: { type: DataTypes.TEXT, allowNull: false },
			endsLocal: { type: DataTypes.TEXT, allowNull: false }
		},
		{ tableName: "notification_quiet_hours", createdAt: false }
	);
	const WebPushSubscription = sequelize.define(
		"WebPushSubscription",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			userId: { type: DataTypes.UUID, allowNull: false },
			endpoint: { type: DataTypes.TEXT, allowNull: false, unique: true },
			p256dh: { type: DataTypes.TEXT, allowNull: false },
			auth: { type: DataTypes.TEXT, allowNull: false }
		},
		{ tableName: "web_push_subscriptions" }
	);
	const DeviceToken = sequelize.define(
		"DevicePushToken",
		{
			installationId: { type: DataTypes.TEXT, primaryKey: true },
			userId: { type: DataTypes.UUID, allowNull: false },
			platform: { type: DataTypes.TEXT, allowNull: false },
			token: { type: DataTypes.TEXT, allowNull: false },
			lastSeenAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW }
		},
		{ tableName: "device_push_tokens", updatedAt: false }
	);
	const PushDelivery = sequelize.define(
		"PushDelivery",
		{
			notificationId: { type: DataTypes.UUID, primaryKey: true },
			channel: { type: DataTypes.TEXT, primaryKey: true },
			target: { type: DataTypes.TEXT, primaryKey: true },
			recipientId: { type: DataTypes.UUID, allowNull: false },
			status: { type: DataTypes.TEXT, allowNull: false, defaultValue: "pending" },
			notBefore: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
			leaseUntil: { type: DataTypes.DATE },
			attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			finishedAt: { type: DataTypes.DATE },
			lastError: { type: DataTypes.TEXT }
		},
		{ tableName: "push_deliveries", updatedAt: false }
	);
	return { primary: Notification, Notification, Preference, QuietHours, WebPushSubscription, DeviceToken, PushDelivery };
}

export type NotificationModels = ReturnType<typeof defineNotificationModels>;

export interface NotificationRow {
	id: string;
	recipientId: string;
	category: string;
	title: string;
	body: string;
	link: Record<string, unknown>;
	dedupeKey: string;
	collapseKey: string;
	expiresAt: Date | null;
	createdAt: Date;
	seenAt: Date | null;
	readAt: Date | null;
}
