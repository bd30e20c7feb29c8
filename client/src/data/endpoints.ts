/** Every API path the app calls, relative to the API base; the OpenAPI check reads this module. */
export const endpoints = {
	register: "/auth/register",
	login: "/auth/login",
	refresh: "/auth/refresh",
	logout: "/auth/logout",
	me: "/me",
	teacherInvites: "/teachers/invites",
	studentLink: "/students/link",
	teachers: "/teachers",
	students: "/students",
	sessions: "/sessions",
	session: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}`,
	sessionTag: (sessionId: string, tagId: string) =>
		`/sessions/${encodeURIComponent(sessionId)}/tags/${encodeURIComponent(tagId)}`,
	sessionMetrics: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/metrics`,
	tags: "/tags",
	tag: (tagId: string) => `/tags/${encodeURIComponent(tagId)}`,
	uploads: "/uploads",
	dashboard: "/analytics/dash",
	health: "/health",
	openapi: "/openapi.json"
} as const;

export const DEFAULT_API_BASE_URL = "/api";
