import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PreferenceChanges } from "../models/notification";
import { api } from "./app-services";

export const notificationKeys = {
	all: ["notifications"] as const,
	unseen: ["notifications", "unseen"] as const,
	inbox: ["notifications", "inbox"] as const,
	preferences: ["notifications", "preferences"] as const
};

/** How often the bell looks for new notifications while the app is open. */
const BELL_REFRESH_MS = 60_000;

/** The bell's count: a look at the inbox that marks nothing seen. */
export function useUnseenCount() {
	return useQuery({
		queryKey: notificationKeys.unseen,
		queryFn: async () => (await api.notifications.list({ pageSize: 1, markSeen: false })).unseenCount,
		refetchInterval: BELL_REFRESH_MS
	});
}

/** Opening the inbox marks everything seen, so the bell is read again afterwards. */
export function useInbox() {
	const queryClient = useQueryClient();
	return useQuery({
		queryKey: notificationKeys.inbox,
		queryFn: async () => {
			const page = await api.notifications.list({ pageSize: 50 });
			queryClient.setQueryData(notificationKeys.unseen, 0);
			return page;
		}
	});
}

function useNotificationMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
	const queryClient = useQueryClient();
	return useMutation({ mutationFn, onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all }) });
}

export function useMarkRead() {
	return useNotificationMutation((notificationId: string) => api.notifications.markRead(notificationId));
}

export function useReadAll() {
	return useNotificationMutation(() => api.notifications.readAll());
}

export function useNotificationPreferences() {
	return useQuery({ queryKey: notificationKeys.preferences, queryFn: api.notifications.preferences });
}

export function useSavePreferences() {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: (changes: PreferenceChanges) => api.notifications.savePreferences(changes),
		onSuccess: (preferences) => queryClient.setQueryData(notificationKeys.preferences, preferences)
	});
}
