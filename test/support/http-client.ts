import { randomUUID } from "node:crypto";

export interface ApiResponse<T = any> {
	status: number;
	body: T;
	headers: Headers;
}

export interface Account {
	id: string;
	email: string;
	token: string;
	refreshToken: string;
	role: "student" | "teacher";
}

/** A thin fetch wrapper that always reads the body, so tests assert on status and code. */
export function httpClient(baseUrl: string) {
	async function request<T = any>(
		method: string,
		path: string,
		options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}
	): Promise<ApiResponse<T>> {
		const headers: Record<string, string> = { ...options.headers };
		if (options.token) headers.authorization = `Bearer ${options.token}`;
		let body: string | undefined;
		if (options.rawBody !== undefined) body = options.rawBody;
		else if (options.body !== undefined) body = JSON.stringify(options.body);
		if (body !== undefined) headers["content-type"] ??= "application/json";
		const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// Not JSON: tests see the raw text.
		}
		return { status: response.status, body: parsed as T, headers: response.headers };
	}

	async function register(role: "student" | "teacher", name: string = role): Promise<Account> {
		const email = `${name.replace(/\W+/g, "-")}-${randomUUID()}@example.org`;
		const response = await request("POST", "/api/auth/register", {
			body: { email, password: "correct horse battery", role, name, timezone: "Europe/Vienna" }
		});
		if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
		return { id: response.body.user.id, email, token: response.body.token, refreshToken: response.body.refreshToken, role };
	}

	async function link(teacher: Account, student: Account): Promise<void> {
		const invite = await request("POST", "/api/teachers/invites", { token: teacher.token });
		const linked = await request("POST", "/api/students/link", { token: student.token, body: { code: invite.body.code } });
		if (linked.status !== 200) throw new Error(`link failed: ${linked.status} ${JSON.stringify(linked.body)}`);
	}

	return { request, register, link };
}

export function practiceSession(overrides: Record<string, unknown> = {}) {
	return {
		id: randomUUID(),
		focus: "scales",
		startedAt: "2026-11-20T17:00:00.000Z",
		endedAt: "2026-11-20T17:45:00.000Z",
		selfRating: 4,
		note: "Three-octave G major, slow bows",
		...overrides
	};
}
