import type { DeviceRegistration, InboxPage, NotificationPreferences, PreferenceChanges, WebPushSubscriptionInput, AppNotification } from "../models/notification";
import type { ApiClient } from "./api-client";
import { endpoints } from "./endpoints";

/** The inbox, push settings and push registration; merged into the typed Etude API. */
export function createNotificationsApi(client: ApiClient) {
	return {
		notifications: {
			/** Opening the inbox marks everything seen; the bell only looks (`markSeen: false`). */
			list: (options: { page?: number; pageSize?: number; markSeen?: boolean } = {}) =>
				client.request<InboxPage>("GET", endpoints.notifications, {
					query: { page: options.page?.toString(), pageSize: options.pageSize?.toString(), markSeen: options.markSeen === false ? "false" : undefined }
				}),
			markRead: (notificationId: string) => client.request<AppNotification>("POST", endpoints.notificationRead(notificationId)),
			readAll: () => client.request<{ updated: number }>("POST", endpoints.notificationsReadAll),
			preferences: () => client.request<NotificationPreferences>("GET", endpoints.notificationPreferences),
			savePreferences: (changes: PreferenceChanges) =>
				client.request<NotificationPreferences>("PUT", endpoints.notificationPreferences, { body: changes }),
			webPushKey: () => client.request<{ publicKey: string }>("GET", endpoints.webPushKey),
			subscribeWebPush: (subscription: WebPushSubscriptionInput) =>
				client.request<{ endpoint: string }>("POST", endpoints.webPushSubscriptions, { body: subscription }),
			unsubscribeWebPush: (endpoint: string) => client.request<void>("DELETE", endpoints.webPushSubscriptions, { body: { endpoint } }),
			registerDevice: (registration: DeviceRegistration) =>
				client.request<{ installationId: string; lastSeenAt: string }>("POST", endpoints.notificationDevices, { body: registration })
		}
	};
}
