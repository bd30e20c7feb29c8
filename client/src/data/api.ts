import type { Dashboard, SessionMetrics } from "../models/analytics";
import type {
	CreatedPracticeSession,
	NewPracticeSession,
	Page,
	PracticeSession,
	PracticeSessionChanges,
	SessionFilter
} from "../models/session";
import type { NewTag, Tag } from "../models/tag";
import type { AuthResult, Invite, LinkedPerson, LoginInput, ProfileChanges, RegisterInput, User } from "../models/user";
import type { ApiClient } from "./api-client";
import { endpoints } from "./endpoints";
import { createCommunityApi } from "./community-api";
import { createNotificationsApi } from "./notifications-api";
import { createScheduleApi } from "./schedule-api";
import { createTeachingApi } from "./teaching-api";

export interface DashboardRange {
	/** YYYY-MM-DD in tz */
	from: string;
	/** YYYY-MM-DD in tz, included */
	to: string;
	/** IANA time zone */
	tz: string;
}

/** The typed Etude API, one method per endpoint of the contract. */
export function createEtudeApi(client: ApiClient) {
	return {
		auth: {
			register: (input: RegisterInput) =>
				client.request<AuthResult>("POST", endpoints.register, { body: input, authenticated: false }),
			login: (input: LoginInput) =>
				client.request<AuthResult>("POST", endpoints.login, { body: input, authenticated: false }),
			logout: (refreshToken: string) =>
				client.request<void>("POST", endpoints.logout, { body: { refreshToken }, authenticated: false })
		},
		me: {
			get: () => client.request<User>("GET", endpoints.me),
			update: (changes: ProfileChanges) => client.request<User>("PATCH", endpoints.me, { body: changes }),
			delete: (password: string) => client.request<void>("DELETE", endpoints.me, { body: { password } })
		},
		teachers: {
			createInvite: () => client.request<Invite>("POST", endpoints.teacherInvites),
			linkWithCode: (code: string) =>
				client.request<{ teacher: LinkedPerson }>("POST", endpoints.studentLink, { body: { code } }),
			listMine: () => client.request<LinkedPerson[]>("GET", endpoints.teachers),
			listStudents: () => client.request<LinkedPerson[]>("GET", endpoints.students)
		},
		sessions: {
			/** Pass `asAccount` to send only while that account is the one signed in (the offline queue does). */
			create: (session: NewPracticeSession, asAccount?: string) =>
				client.request<CreatedPracticeSession>("POST", endpoints.sessions, { body: session, asAccount }),
			list: (filter: SessionFilter = {}) =>
				client.request<Page<PracticeSession>>("GET", endpoints.sessions, { query: { ...filter } }),
			get: (sessionId: string) => client.request<PracticeSession>("GET", endpoints.session(sessionId)),
			update: (sessionId: string, changes: PracticeSessionChanges) =>
				client.request<PracticeSession>("PATCH", endpoints.session(sessionId), { body: changes }),
			delete: (sessionId: string) => client.request<void>("DELETE", endpoints.session(sessionId)),
			addTag: (sessionId: string, tagId: string) => client.request<void>("PUT", endpoints.sessionTag(sessionId, tagId)),
			removeTag: (sessionId: string, tagId: string) =>
				client.request<void>("DELETE", endpoints.sessionTag(sessionId, tagId)),
			metrics: (sessionId: string) => client.request<SessionMetrics>("GET", endpoints.sessionMetrics(sessionId))
		},
		tags: {
			list: () => client.request<Tag[]>("GET", endpoints.tags),
			create: (tag: NewTag) => client.request<Tag>("POST", endpoints.tags, { body: tag }),
			update: (tagId: string, changes: Partial<NewTag>) =>
				client.request<Tag>("PATCH", endpoints.tag(tagId), { body: changes }),
			delete: (tagId: string) => client.request<void>("DELETE", endpoints.tag(tagId))
		},
		analytics: {
			dashboard: (range: DashboardRange) =>
				client.request<Dashboard>("GET", endpoints.dashboard, { query: { ...range } })
		},
		...createScheduleApi(client),
		...createTeachingApi(client),
		...createNotificationsApi(client),
		...createCommunityApi(client)
	};
}

export type EtudeApi = ReturnType<typeof createEtudeApi>;
