import type { PracticeSession, Page, SessionFilter } from "../models/session";
import type { Dashboard } from "../models/analytics";
import type {
	Assignment,
	AssignmentFields,
	AssignmentStatus,
	FeedbackItem,
	NewAssignment,
	NewPin,
	NewWeeklyGoal,
	PinChanges,
	RosterEntry,
	TagSuggestion,
	WeeklyGoal
} from "../models/teaching";
import type { Focus } from "../models/session";
import type { DashboardRange } from "./api";
import type { ApiClient } from "./api-client";
import { endpoints } from "./endpoints";

/** The teacher toolkit (roster, a student's practice, feedback, goals, assignments, tag suggestions); merged into the typed Etude API. */
export function createTeachingApi(client: ApiClient) {
	return {
		teaching: {
			roster: () => client.request<RosterEntry[]>("GET", endpoints.students),
			/** A linked student's sessions (the drill-down). */
			studentSessions: (studentId: string, filter: SessionFilter = {}) =>
				client.request<Page<PracticeSession>>("GET", endpoints.sessions, { query: { ...filter, studentId } }),
			studentDashboard: (studentId: string, range: DashboardRange) =>
				client.request<Dashboard>("GET", endpoints.dashboard, { query: { ...range, studentId } }),
			tagSuggestions: (q: string, focus?: Focus) =>
				client.request<TagSuggestion[]>("GET", endpoints.tagSuggestions, { query: { q, focus } })
		},
		feedback: {
			forVideo: (videoId: string) =>
				client.request<{ videoId: string; sessionId: string; items: FeedbackItem[] }>(
					"GET",
					endpoints.videoFeedback(videoId)
				),
			pin: (videoId: string, pin: NewPin) =>
				client.request<FeedbackItem>("POST", endpoints.videoFeedback(videoId), { body: pin }),
			forSession: (sessionId: string) =>
				client.request<{ sessionId: string; items: FeedbackItem[] }>("GET", endpoints.sessionFeedback(sessionId)),
			noteOnSession: (sessionId: string, note: { text: string; rating?: number }) =>
				client.request<FeedbackItem>("POST", endpoints.sessionFeedback(sessionId), { body: note }),
			reply: (feedbackId: string, text: string) =>
				client.request<FeedbackItem>("POST", endpoints.feedbackReplies(feedbackId), { body: { text } }),
			update: (feedbackId: string, changes: PinChanges) =>
				client.request<FeedbackItem>("PATCH", endpoints.feedbackItem(feedbackId), { body: changes }),
			delete: (feedbackId: string) => client.request<void>("DELETE", endpoints.feedbackItem(feedbackId))
		},
		goals: {
			/** The student's own goals (from every teacher), or a teacher's goal for a linked student. */
			list: (studentId?: string) => client.request<WeeklyGoal[]>("GET", endpoints.goals, { query: { studentId } }),
			set: (goal: NewWeeklyGoal) => client.request<WeeklyGoal>("PUT", endpoints.goals, { body: goal }),
			delete: (goalId: string) => client.request<void>("DELETE", endpoints.goal(goalId))
		},
		assignments: {
			list: (studentId?: string, status: AssignmentStatus = "all") =>
				client.request<Assignment[]>("GET", endpoints.assignments, { query: { studentId, status } }),
			create: (assignment: NewAssignment) =>
				client.request<Assignment>("POST", endpoints.assignments, { body: assignment }),
			update: (assignmentId: string, changes: Partial<AssignmentFields>) =>
				client.request<Assignment>("PATCH", endpoints.assignment(assignmentId), { body: changes }),
			delete: (assignmentId: string) => client.request<void>("DELETE", endpoints.assignment(assignmentId)),
			markDone: (assignmentId: string) => client.request<Assignment>("PUT", endpoints.assignmentDone(assignmentId)),
			reopen: (assignmentId: string) => client.request<Assignment>("DELETE", endpoints.assignmentDone(assignmentId)),
			linkSession: (assignmentId: string, sessionId: string) =>
				client.request<Assignment>("PUT", endpoints.assignmentSession(assignmentId, sessionId))
		}
	};
}
