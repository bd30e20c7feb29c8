import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Focus, SessionFilter } from "../models/session";
import type { NewTag } from "../models/tag";
import type {
	AssignmentFields,
	AssignmentStatus,
	NewAssignment,
	NewPin,
	NewWeeklyGoal,
	PinChanges
} from "../models/teaching";
import type { DashboardRange } from "./api";
import { api } from "./app-services";
import { queryKeys } from "./queries";

export const teachingKeys = {
	roster: ["roster"] as const,
	studentSessions: (studentId: string, filter: SessionFilter) => ["roster", studentId, "sessions", filter] as const,
	studentDashboard: (studentId: string, range: DashboardRange) => ["roster", studentId, "dashboard", range] as const,
	videoFeedback: (videoId: string) => ["feedback", "video", videoId] as const,
	sessionFeedback: (sessionId: string) => ["feedback", "session", sessionId] as const,
	feedback: ["feedback"] as const,
	goals: (studentId: string | undefined) => ["goals", studentId ?? "mine"] as const,
	assignments: (studentId: string | undefined, status: AssignmentStatus) =>
		["assignments", studentId ?? "mine", status] as const,
	allAssignments: ["assignments"] as const,
	tagSuggestions: (q: string, focus: Focus | undefined) => ["tags", "suggest", q, focus ?? null] as const
};

export function useRoster() {
	return useQuery({ queryKey: teachingKeys.roster, queryFn: api.teaching.roster });
}

export function useStudentSessions(studentId: string, filter: SessionFilter) {
	return useQuery({
		queryKey: teachingKeys.studentSessions(studentId, filter),
		queryFn: () => api.teaching.studentSessions(studentId, filter)
	});
}

export function useStudentDashboard(studentId: string, range: DashboardRange) {
	return useQuery({
		queryKey: teachingKeys.studentDashboard(studentId, range),
		queryFn: () => api.teaching.studentDashboard(studentId, range)
	});
}

export function useVideoFeedback(videoId: string | undefined) {
	return useQuery({
		queryKey: teachingKeys.videoFeedback(videoId ?? ""),
		queryFn: () => api.feedback.forVideo(videoId!),
		enabled: Boolean(videoId)
	});
}

export function useSessionFeedback(sessionId: string) {
	return useQuery({
		queryKey: teachingKeys.sessionFeedback(sessionId),
		queryFn: () => api.feedback.forSession(sessionId)
	});
}

/** Any change to feedback is read again wherever it shows. */
function useFeedbackMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn,
		onSuccess: () => queryClient.invalidateQueries({ queryKey: teachingKeys.feedback })
	});
}

export function useAddPin(videoId: string) {
	return useFeedbackMutation((pin: NewPin) => api.feedback.pin(videoId, pin));
}

export function useUpdateFeedback() {
	return useFeedbackMutation(({ feedbackId, changes }: { feedbackId: string; changes: PinChanges }) =>
		api.feedback.update(feedbackId, changes)
	);
}

export function useDeleteFeedback() {
	return useFeedbackMutation((feedbackId: string) => api.feedback.delete(feedbackId));
}

export function useAddSessionNote(sessionId: string) {
	return useFeedbackMutation((note: { text: string; rating?: number }) => api.feedback.noteOnSession(sessionId, note));
}

export function useReply() {
	return useFeedbackMutation(({ feedbackId, text }: { feedbackId: string; text: string }) =>
		api.feedback.reply(feedbackId, text)
	);
}

/** A student's own goals (no studentId), or the teacher's goal for a linked student. */
export function useGoals(studentId?: string) {
	return useQuery({ queryKey: teachingKeys.goals(studentId), queryFn: () => api.goals.list(studentId) });
}

export function useSetGoal() {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn: (goal: NewWeeklyGoal) => api.goals.set(goal),
		onSuccess: () =>
			Promise.all([
				queryClient.invalidateQueries({ queryKey: ["goals"] }),
				queryClient.invalidateQueries({ queryKey: teachingKeys.roster })
			])
	});
}

export function useAssignments(studentId: string | undefined, status: AssignmentStatus) {
	return useQuery({
		queryKey: teachingKeys.assignments(studentId, status),
		queryFn: () => api.assignments.list(studentId, status)
	});
}

function useAssignmentMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
	const queryClient = useQueryClient();
	return useMutation({
		mutationFn,
		onSuccess: () =>
			Promise.all([
				queryClient.invalidateQueries({ queryKey: teachingKeys.allAssignments }),
				queryClient.invalidateQueries({ queryKey: teachingKeys.roster })
			])
	});
}

export function useCreateAssignment() {
	return useAssignmentMutation((assignment: NewAssignment) => api.assignments.create(assignment));
}

export function useUpdateAssignment() {
	return useAssignmentMutation(
		({ assignmentId, changes }: { assignmentId: string; changes: Partial<AssignmentFields> }) =>
			api.assignments.update(assignmentId, changes)
	);
}

export function useDeleteAssignment() {
	return useAssignmentMutation((assignmentId: string) => api.assignments.delete(assignmentId));
}

export function useMarkAssignmentDone() {
	return useAssignmentMutation(({ assignmentId, done }: { assignmentId: string; done: boolean }) =>
		done ? api.assignments.markDone(assignmentId) : api.assignments.reopen(assignmentId)
	);
}

export function useLinkSessionToAssignment() {
	return useAssignmentMutation(({ assignmentId, sessionId }: { assignmentId: string; sessionId: string }) =>
		api.assignments.linkSession(assignmentId, sessionId)
	);
}

/** Suggestions for the log form as the student types a tag name, for the chosen focus. */
export function useTagSuggestions(q: string, focus: Focus | undefined) {
	return useQuery({
		queryKey: teachingKeys.tagSuggestions(q, focus),
		queryFn: () => api.teaching.tagSuggestions(q, focus),
		placeholderData: (previous) => previous
	});
}

/** The tag designer's mutations: the tag list and the suggestions are read again. */
function useTagMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
	const queryClient = useQueryClient();
	return useMutation({ mutationFn, onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.tags }) });
}

export function useUpdateTag() {
	return useTagMutation(({ tagId, changes }: { tagId: string; changes: Partial<NewTag> }) =>
		api.tags.update(tagId, changes)
	);
}

export function useDeleteTag() {
	return useTagMutation((tagId: string) => api.tags.delete(tagId));
}
