import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signAccessToken } from "../../lib/tokens";
import { httpClient } from "../support/http-client";
import { startTestApi, TEST_JWT_SECRET, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

let api: TestApi;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
});
afterAll(() => api.stop());

describe("registration and sign-in", () => {
	it("registers a student, returns tokens, and never returns the password hash", async () => {
		const response = await http.request("POST", "/api/auth/register", {
			body: { email: "  Clara.S@Example.org ", password: "a-long-password", role: "student", name: "Clara", timezone: "Europe/Berlin" }
		});
		expect(response.status).toBe(201);
		expect(response.body.user).toMatchObject({ email: "clara.s@example.org", role: "student", name: "Clara", timezone: "Europe/Berlin", a4Hz: 440 });
		expect(response.body.token).toEqual(expect.any(String));
		expect(response.body.refreshToken).toEqual(expect.any(String));
		expect(JSON.stringify(response.body)).not.toMatch(/argon2|password/i);
	});

	it("refuses a second account with the same email in any letter case", async () => {
		const first = await http.register("student", "dup");
		const again = await http.request("POST", "/api/auth/register", {
			body: { email: first.email.toUpperCase(), password: "another-password", role: "teacher", name: "X", timezone: "UTC" }
		});
		expect(again.status).toBe(409);
		expect(again.body.code).toBe("ERR_EMAIL_TAKEN");
	});

	it("names every invalid field when registration input is wrong", async () => {
		const response = await http.request("POST", "/api/auth/register", {
			body: { email: "not-an-email", password: "short", role: "admin", name: "", timezone: "Mars/Olympus" }
		});
		expect(response.status).toBe(422);
		expect(response.body.code).toBe("ERR_VALIDATION");
		expect(response.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(["email", "name", "password", "role", "timezone"]);
	});

	it("signs in with the right password and refuses a wrong one without saying which part was wrong", async () => {
		const account = await http.register("student");
		const ok = await http.request("POST", "/api/auth/login", { body: { email: account.email, password: "correct horse battery" } });
		expect(ok.status).toBe(200);
		expect(ok.body.user.id).toBe(account.id);

		const wrongPassword = await http.request("POST", "/api/auth/login", { body: { email: account.email, password: "nope" } });
		const noSuchUser = await http.request("POST", "/api/auth/login", { body: { email: "ghost@example.org", password: "nope" } });
		expect(wrongPassword.status).toBe(401);
		expect(noSuchUser.status).toBe(401);
		expect(wrongPassword.body).toEqual(noSuchUser.body);
		expect(wrongPassword.body.code).toBe("ERR_INVALID_CREDENTIALS");
	});
});

describe("tokens", () => {
	it("rotates refresh tokens and ends every session when a used one comes back", async () => {
		const account = await http.register("student");
		const rotated = await http.request("POST", "/api/auth/refresh", { body: { refreshToken: account.refreshToken } });
		expect(rotated.status).toBe(200);
		expect(rotated.body.refreshToken).not.toBe(account.refreshToken);

		const replayed = await http.request("POST", "/api/auth/refresh", { body: { refreshToken: account.refreshToken } });
		expect(replayed.status).toBe(401);
		expect(replayed.body.code).toBe("ERR_INVALID_REFRESH_TOKEN");

		// The replay revoked the whole family, including the token issued by the rotation.
		const afterTheft = await http.request("POST", "/api/auth/refresh", { body: { refreshToken: rotated.body.refreshToken } });
		expect(afterTheft.status).toBe(401);
	});

	it("revokes the refresh token on logout", async () => {
		const account = await http.register("teacher");
		expect((await http.request("POST", "/api/auth/logout", { body: { refreshToken: account.refreshToken } })).status).toBe(204);
		const refresh = await http.request("POST", "/api/auth/refresh", { body: { refreshToken: account.refreshToken } });
		expect(refresh.status).toBe(401);
	});

	it("answers 401 with a code for expired, tampered, foreign and malformed access tokens", async () => {
		const account = await http.register("student");
		const identity = { id: account.id, role: "student" as const, name: "x", tokenEpoch: 0 };
		const expired = signAccessToken(identity, TEST_JWT_SECRET, 1);
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const [header, payload, signature] = account.token.split(".");
		const escalated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), role: "teacher" })).toString("base64url");
		const cases: Array<[string, string, string]> = [
			[`Bearer ${expired}`, "ERR_TOKEN_EXPIRED", "expired"],
			[`Bearer ${header}.${escalated}.${signature}`, "ERR_INVALID_TOKEN", "tampered"],
			[`Bearer ${signAccessToken(identity, "another-secret-that-is-also-long-enough!!", 600)}`, "ERR_INVALID_TOKEN", "foreign"],
			[`Bearer ${jwt.sign({ role: "student", name: "x" }, "", { algorithm: "none", subject: account.id })}`, "ERR_INVALID_TOKEN", "unsigned"],
			["Bearer", "ERR_INVALID_TOKEN", "empty"],
			[`Basic ${Buffer.from("a:b").toString("base64")}`, "ERR_INVALID_TOKEN", "wrong scheme"]
		];
		for (const [authorization, code, label] of cases) {
			const response = await http.request("GET", "/api/me", { headers: { authorization } });
			expect(response.status, label).toBe(401);
			expect(response.body.code, label).toBe(code);
		}
	});
});

describe("the signed-in user", () => {
	it("reads and updates their profile, within the allowed A4 range", async () => {
		const account = await http.register("student", "Ida");
		const me = await http.request("GET", "/api/me", { token: account.token });
		expect(me.body).toMatchObject({ id: account.id, name: "Ida", role: "student" });

		const updated = await http.request("PATCH", "/api/me", { token: account.token, body: { a4Hz: 442, timezone: "America/New_York" } });
		expect(updated.status).toBe(200);
		expect(updated.body).toMatchObject({ a4Hz: 442, timezone: "America/New_York" });

		const tooHigh = await http.request("PATCH", "/api/me", { token: account.token, body: { a4Hz: 500 } });
		expect(tooHigh.status).toBe(422);
		const roleChange = await http.request("PATCH", "/api/me", { token: account.token, body: { role: "teacher" } });
		expect(roleChange.status).toBe(422);
		expect(roleChange.body.fields).toEqual([{ field: "role", message: "This field is not allowed." }]);
	});

	it("deletes the account only with the password, then refuses its tokens; signing in within the grace period takes it back", async () => {
		const account = await http.register("student");
		const wrong = await http.request("DELETE", "/api/me", { token: account.token, body: { password: "wrong" } });
		expect(wrong.status).toBe(401);
		const deleted = await http.request("DELETE", "/api/me", { token: account.token, body: { password: "correct horse battery" } });
		expect(deleted.status).toBe(204);
		expect((await http.request("GET", "/api/me", { token: account.token })).body.code).toBe("ERR_ACCOUNT_DELETED");
		expect((await http.request("POST", "/api/auth/refresh", { body: { refreshToken: account.refreshToken } })).status).toBe(401);
		const login = await http.request("POST", "/api/auth/login", { body: { email: account.email, password: "correct horse battery" } });
		expect(login.status).toBe(200);
		expect(login.body.deletionCancelled).toBe(true);
		// The tokens from before the deletion stay ended.
		expect((await http.request("GET", "/api/me", { token: account.token })).status).toBe(401);
		expect((await http.request("GET", "/api/me", { token: login.body.token })).status).toBe(200);
	});
});

describe("teacher and student links", () => {
	it("links a student to a teacher with an invite code, once, in either letter case", async () => {
		const teacher = await http.register("teacher", "Ms Lee");
		const student = await http.register("student", "Tom");
		const invite = await http.request("POST", "/api/teachers/invites", { token: teacher.token });
		expect(invite.status).toBe(201);
		expect(invite.body.code).toMatch(/^[A-Z2-9]{8}$/);
		const invites = await http.request("GET", "/api/teachers/invites", { token: teacher.token });
		expect(invites.body).toEqual([invite.body]);

		const linked = await http.request("POST", "/api/students/link", { token: student.token, body: { code: invite.body.code.toLowerCase() } });
		expect(linked.body).toEqual({ teacher: { id: teacher.id, name: "Ms Lee" } });
		await http.request("POST", "/api/students/link", { token: student.token, body: { code: invite.body.code } });

		// Linking twice links once; each roster entry carries the student's practice besides the name.
		const roster = (await http.request("GET", "/api/students", { token: teacher.token })).body;
		expect(roster.map(({ id, name }: { id: string; name: string }) => ({ id, name }))).toEqual([{ id: student.id, name: "Tom" }]);
		expect((await http.request("GET", "/api/teachers", { token: student.token })).body).toEqual([{ id: teacher.id, name: "Ms Lee" }]);
	});

	it("refuses unknown codes, and invites from students", async () => {
		const student = await http.register("student");
		const unknown = await http.request("POST", "/api/students/link", { token: student.token, body: { code: "ZZZZZZZZ" } });
		expect(unknown.status).toBe(404);
		expect(unknown.body.code).toBe("ERR_INVITE_INVALID");
		const studentInvite = await http.request("POST", "/api/teachers/invites", { token: student.token });
		expect(studentInvite.status).toBe(403);
		expect(studentInvite.body.code).toBe("ERR_FORBIDDEN");
	});
});
