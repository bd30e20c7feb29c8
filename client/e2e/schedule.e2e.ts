import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

/** The instant a wall-clock time in a zone is (no DST gap at these hours). */
function instantOf(localDateTime: string, timeZone: string): Date {
	const guess = new Date(`${localDateTime}:00Z`);
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat("en-CA", {
			timeZone,
			hourCycle: "h23",
			year: "numeric",
			month: "2-digit",
			day: "2-digit",
			hour: "2-digit",
			minute: "2-digit"
		})
			.formatToParts(guess)
			.map((part) => [part.type, part.value])
	);
	const seenAsUtc = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`);
	return new Date(guess.getTime() - (seenAsUtc - guess.getTime()));
}

function clockIn(instant: Date, timeZone: string): string {
	return instant.toLocaleTimeString("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/** Tuesday of next week in a zone, "YYYY-MM-DD". */
function nextWeeksTuesday(timeZone: string): string {
	const today = new Date().toLocaleDateString("en-CA", { timeZone });
	const date = new Date(`${today}T00:00:00Z`);
	const weekday = (date.getUTCDay() + 6) % 7;
	return new Date(date.getTime() + (7 - weekday + 1) * 86_400_000).toISOString().slice(0, 10);
}

describe("lessons", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("a teacher plans a weekly lesson and drags one to the next day; the student sees it moved, in their own zone, on the Practice tab", async () => {
		const stamp = Date.now();
		const teacherContext = await browser().newContext({ viewport: VIEWPORTS.tablet, timezoneId: "Europe/Vienna" });
		const teacher = await AppDriver.open(teacherContext, baseUrl);
		await teacher.register({
			name: "Ms. Ruiz",
			email: `ruiz.${stamp}@example.com`,
			password: "teach-cello",
			role: "Teacher"
		});
		await teacher.page.waitForURL("**/tabs/students");
		await teacher.openTab("Settings");
		await teacher.screen.getByRole("button", { name: "Create an invite code" }).click();
		const code = (await teacher.screen.locator(".etude-invite-code").textContent())?.trim() ?? "";

		const studentContext = await browser().newContext({ viewport: VIEWPORTS.phone, timezoneId: "America/New_York" });
		const student = await AppDriver.open(studentContext, baseUrl);
		await student.register({ name: "Mia Chen", email: `mia.${stamp}@example.com`, password: "practise-daily" });
		await student.openTab("Settings");
		await student.screen.getByLabel("Invite code from your teacher").fill(code);
		await student.screen.getByRole("button", { name: "Link" }).click();
		await student.screen.getByText("You're now linked with Ms. Ruiz.").waitFor();

		await teacher.openTab("Lessons");
		const tuesday = nextWeeksTuesday("Europe/Vienna");
		const wednesday = new Date(Date.parse(`${tuesday}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
		const form = teacher.screen.getByRole("form", { name: "New lesson" });
		await form.getByLabel("Title").fill("Cello with Ms. Ruiz");
		await form.locator('ion-select[label="Students"]').click();
		await teacher.page.locator("ion-alert button", { hasText: "Mia Chen" }).click();
		await teacher.page.locator("ion-alert button", { hasText: "OK" }).click();
		await teacher.page.locator("ion-alert").waitFor({ state: "detached" });
		await form.getByLabel("Date").fill(tuesday);
		await form.getByLabel("Time (Europe/Vienna)").fill("16:00");
		await form.getByLabel("Minutes").fill("45");
		await form.getByLabel("Number of lessons (empty: no end)").fill("4");
		await form.getByRole("button", { name: "Create lesson" }).click();

		const week = teacher.screen.getByRole("grid", { name: "Lessons this week" });
		const card = week.locator(`[data-day="${tuesday}"]`).getByRole("button", { name: "Cello with Ms. Ruiz, 16:00" });
		await card.waitFor();
		// Move this week's lesson to Wednesday by dragging it, as on a tablet.
		await card.dragTo(week.locator(`[data-day="${wednesday}"]`));
		const moved = week
			.locator(`[data-day="${wednesday}"]`)
			.getByRole("button", { name: "Cello with Ms. Ruiz, 16:00, moved" });
		await moved.waitFor();
		expect(await week.locator(`[data-day="${tuesday}"]`).getByRole("button").count()).toBe(0);
		await week.scrollIntoViewIfNeeded();
		await teacher.screen
			.locator("ion-content")
			.evaluate((content) => (content as HTMLElement & { scrollToTop(): Promise<void> }).scrollToTop());
		await screenshot(teacher.page, "lessons-week-teacher-1024x768");

		// The student, in New York, sees the moved lesson at their own clock time.
		await student.openTab("Practice");
		const upcoming = student.screen.getByRole("region", { name: "Upcoming lessons" });
		const start = instantOf(`${wednesday}T16:00`, "Europe/Vienna");
		const expectedTime = `${clockIn(start, "America/New_York")}–${clockIn(new Date(start.getTime() + 45 * 60_000), "America/New_York")}`;
		const first = upcoming.locator(".etude-upcoming-lesson").first();
		await expect.poll(async () => (await first.textContent()) ?? "", { timeout: 20_000 }).toContain(expectedTime);
		expect(await first.textContent()).toContain("Cello with Ms. Ruiz");
		expect(await first.textContent()).toContain("Moved");
		await first.scrollIntoViewIfNeeded();
		await screenshot(student.page, "practice-upcoming-lessons-390x844");

		// The calendar feed link: made, shown once, and it names no one.
		await upcoming.getByRole("button", { name: "Make a calendar link" }).click();
		const url = ((await upcoming.locator(".etude-feed-url").textContent()) ?? "").trim();
		expect(url).toMatch(/\/api\/schedule\/feed\/[A-Za-z0-9_-]{43}\.ics$/);
		const feed = await fetch(url.replace(/^https?:\/\/[^/]+/, baseUrl));
		expect(await feed.text()).toContain("SUMMARY:Cello with Ms. Ruiz");
		expect(await student.unnamedControls()).toEqual([]);
		await teacherContext.close();
		await studentContext.close();
	});
});
