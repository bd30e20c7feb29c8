import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PracticeSessionChanges, SessionFilter } from "../models/session";
import type { NewTag } from "../models/tag";
import type { ProfileChanges } from "../models/user";
import { api } from "./app-services";
import { useAuth } from "./auth-context";
import type { DashboardRange } from "./api";

export const queryKeys = {
	sessions: ["sessions"] as const,
	session: (sessionId: string) => ["sessions", sessionId] as const,
	sessionMetrics: (sessionId: string) => ["sessions", sessionId, "metrics"] as const,
	tags: ["tags"] as const,
	teachers: ["teachers"] as const,
	students: ["students"] as const,
	dashboard: (range: DashboardRange) => ["dashboard", range] as const
};

export const SESSIONS_PAGE_SIZE = 20;

export function useSessionsPage(filter: SessionFilter) {
	return useQuery({ queryKey: [...queryKeys.sessions, filter], queryFn: () => api.sessions.list(filter) });
}

/** How often a session whose video is still being processed is read again. */
const VIDEO_PROGRESS_POLL_MS = 3000;

export function useSession(sessionId: string) {
	return useQuery({
		queryKey: queryKeys.session(sessionId),
		queryFn: () => api.sessions.get(sessionId),
		refetchInterval: (query) =>
			query.state.data?.videos?.some((video) => video.state !== "ready" && video.state !== "failed")
				? VIDEO_PROGRESS_POLL_MS
				: false
	});
}

export function useDeleteSession() {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: (sessionId: string) => api.sessions.delete(sessionId),
		onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions })
	});
}

export function useUpdateSession(sessionId: string) {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: (changes: PracticeSessionChanges) => api.sessions.update(sessionId, changes),
		onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions })
	});
}

/** Puts a tag on a session or takes it off. */
export function useSessionTag(sessionId: string) {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: ({ tagId, tagged }: { tagId: string; tagged: boolean }) =>
			tagged ? api.sessions.addTag(sessionId, tagId) : api.sessions.removeTag(sessionId, tagId),
		onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions })
	});
}

export function useTags() {
	return useQuery({ queryKey: queryKeys.tags, queryFn: api.tags.list });
}

export function useCreateTag() {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: (tag: NewTag) => api.tags.create(tag),
		onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.tags })
	});
}

export function useLinkedTeachers() {
	return useQuery({ queryKey: queryKeys.teachers, queryFn: api.teachers.listMine });
}

export function useLinkedStudents() {
	return useQuery({ queryKey: queryKeys.students, queryFn: api.teachers.listStudents });
}

export function useCreateInvite() {
	return useMutation({ mutationFn: api.teachers.createInvite });
}

export function useLinkTeacher() {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: (code: string) => api.teachers.linkWithCode(code),
		onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.teachers })
	});
}

export function useUpdateProfile() {
	const { setUser } = useAuth();
	return useMutation({ mutationFn: (changes: ProfileChanges) => api.me.update(changes), onSuccess: setUser });
}

export function useDashboard(range: DashboardRange) {
	return useQuery({ queryKey: queryKeys.dashboard(range), queryFn: () => api.analytics.dashboard(range) });
}

export function useSessionMetrics(sessionId: string, enabled: boolean) {
	return useQuery({
		queryKey: queryKeys.sessionMetrics(sessionId),
		queryFn: () => api.sessions.metrics(sessionId),
		enabled
	});
}
