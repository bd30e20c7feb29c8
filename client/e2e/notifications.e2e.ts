import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

/** A JSON call to the API as someone (setup the UI of this test does not cover). */
async function call<T>(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
	const response = await fetch(`${baseUrl}/api${path}`, {
		method,
		headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

describe("notifications", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("a student whose lesson was cancelled sees the bell's count on a phone, opens the inbox (the count clears) and finds the lesson's notice; cancellations cannot be switched off; a teacher on a tablet has the bell too", async () => {
		const stamp = Date.now();
		const student = { name: "Lena Fischer", email: `lena.${stamp}@example.com`, password: "practise-daily" };
		const registered = await call<{ token: string; user: { id: string } }>(baseUrl, "POST", "/auth/register", undefined, { ...student, role: "student", timezone: "Europe/Vienna" });
		const teacher = await call<{ token: string }>(baseUrl, "POST", "/auth/register", undefined, { name: "Mr Okafor", email: `okafor.${stamp}@example.com`, password: "teach-violin", role: "teacher", timezone: "Europe/Vienna" });
		const invite = await call<{ code: string }>(baseUrl, "POST", "/teachers/invites", teacher.token);
		await call(baseUrl, "POST", "/students/link", registered.token, { code: invite.code });
		const lesson = await call<{ id: string }>(baseUrl, "POST", "/schedule/classes", teacher.token, {
			title: "Violin with Mr Okafor",
			studentIds: [registered.user.id],
			startLocal: "2030-03-05T17:00",
			timezone: "Europe/Vienna",
			durationMinutes: 45,
			recurrence: { frequency: "weekly", interval: 1, count: 4 }
		});
		await call(baseUrl, "DELETE", `/schedule/classes/${lesson.id}`, teacher.token);
		// The change notice travels through the reminder worker and the notifications consumer.
		const deadline = Date.now() + 60_000;
		while ((await call<{ unseenCount: number }>(baseUrl, "GET", "/notifications?markSeen=false&pageSize=1", registered.token)).unseenCount === 0) {
			if (Date.now() > deadline) throw new Error("The cancellation never reached the inbox");
			await new Promise((resolve) => setTimeout(resolve, 200));
		}

		const context = await browser().newContext({ viewport: VIEWPORTS.phone, timezoneId: "Europe/Vienna" });
		const app = await AppDriver.open(context, baseUrl);
		await app.signIn(student);
		const bell = app.screen.getByRole("link", { name: "Notifications, 1 new" });
		await bell.waitFor();
		await screenshot(app.page, "notifications-bell-390x844");
		await bell.click();
		await app.page.waitForURL("**/tabs/notifications");
		const notice = app.screen.getByRole("list", { name: "Notifications" }).getByText("Cancelled: Violin with Mr Okafor");
		await notice.waitFor();
		await app.screen.getByRole("link", { name: "Notifications", exact: true }).waitFor();
		await screenshot(app.page, "notifications-inbox-390x844");
		await notice.click();
		await app.page.waitForURL("**/tabs/practice");
		const [read] = (await call<{ items: Array<{ readAt: string | null; seenAt: string | null }> }>(baseUrl, "GET", "/notifications?markSeen=false", registered.token)).items;
		expect(read).toMatchObject({ readAt: expect.any(String), seenAt: expect.any(String) });

		await app.page.goto(`${baseUrl}/tabs/settings/notifications`);
		const cancelled = app.screen.getByRole("checkbox", { name: "Lessons cancelled: Browser" });
		await cancelled.waitFor();
		expect(await cancelled.getAttribute("aria-disabled")).toBe("true");
		await app.screen.getByRole("button", { name: "Turn on push" }).waitFor();
		expect(await app.unnamedControls()).toEqual([]);
		await screenshot(app.page, "notification-settings-390x844");
		await context.close();

		// The teacher has the bell too, on a tablet, on their own first tab.
		const teacherContext = await browser().newContext({ viewport: VIEWPORTS.tablet, timezoneId: "Europe/Vienna" });
		const teacherApp = await AppDriver.open(teacherContext, baseUrl);
		const form = teacherApp.page.getByRole("form", { name: "Sign in" });
		await form.getByLabel("Email").fill(`okafor.${stamp}@example.com`);
		await form.getByLabel("Password").fill("teach-violin");
		await form.getByRole("button", { name: "Sign in" }).click();
		// A teacher lands on their roster.
		await teacherApp.page.waitForURL("**/tabs/students");
		await teacherApp.screen.getByRole("link", { name: "Notifications", exact: true }).click();
		await teacherApp.page.waitForURL("**/tabs/notifications");
		await teacherApp.screen.getByRole("status").getByText(/Nothing yet/).waitFor();
		await screenshot(teacherApp.page, "notifications-inbox-teacher-1024x768");
		await teacherContext.close();
	});
});
