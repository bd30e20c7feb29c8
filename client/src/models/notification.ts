/** A notification category (the server's list comes with the preferences: GET /notifications/preferences). */
export type NotificationCategory = string;

export type PushChannel = "web" | "device";

/** Where a click leads: one of the app's own screens with its ids. */
export interface NotificationLink {
	screen: "lessons" | "session" | "assignments" | "goals" | "practice" | "community" | "settings";
	[key: string]: string | number | null;
}

export interface AppNotification {
	id: string;
	category: NotificationCategory;
	title: string;
	body: string;
	link: NotificationLink;
	createdAt: string;
	seenAt: string | null;
	readAt: string | null;
}

export interface InboxPage {
	items: AppNotification[];
	/** Unseen before this request. */
	unseenCount: number;
	page: number;
	pageSize: number;
	hasMore: boolean;
}

export interface QuietHours {
	startsLocal: string;
	endsLocal: string;
}

export interface NotificationPreferences {
	categories: Array<{ category: NotificationCategory; locked: boolean; channels: Record<PushChannel, boolean> }>;
	quietHours: QuietHours | null;
}

export interface PreferenceChanges {
	switches?: Array<{ category: NotificationCategory; channel: PushChannel; enabled: boolean }>;
	quietHours?: QuietHours | null;
}

export interface WebPushSubscriptionInput {
	endpoint: string;
	keys: { p256dh: string; auth: string };
}

export interface DeviceRegistration {
	installationId: string;
	platform: "ios" | "android";
	token: string;
}
