import { describe, expect, inject, it } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";

describe("linking a student to a teacher", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("links a student with the invite code the teacher created, and refuses a wrong code in plain words", async () => {
		const stamp = Date.now();
		const teacherContext = await browser().newContext({ viewport: VIEWPORTS.tablet });
		const teacher = await AppDriver.open(teacherContext, baseUrl);
		await teacher.register({
			name: "Ms. Okafor",
			email: `okafor.${stamp}@example.com`,
			password: "teach-scales",
			role: "Teacher"
		});
		await teacher.openTab("Settings");
		await teacher.screen.getByRole("button", { name: "Create an invite code" }).click();
		const code = (await teacher.screen.locator(".etude-invite-code").textContent())?.trim() ?? "";
		expect(code).not.toBe("");
		await screenshot(teacher.page, "settings-teacher-invite-1024x768");

		const studentContext = await browser().newContext({ viewport: VIEWPORTS.phone });
		const student = await AppDriver.open(studentContext, baseUrl);
		await student.register({ name: "Leo Park", email: `leo.${stamp}@example.com`, password: "practise-daily" });
		await student.openTab("Settings");
		const codeInput = student.screen.getByLabel("Invite code from your teacher");

		await codeInput.fill("NOT-A-CODE");
		await student.screen.getByRole("button", { name: "Link" }).click();
		await expect
			.poll(async () => (await student.screen.getByRole("alert").textContent()) ?? "")
			.toBe("That invite code doesn't work. Ask your teacher for a new one.");

		await codeInput.fill(code);
		await student.screen.getByRole("button", { name: "Link" }).click();
		await student.screen.getByText("You're now linked with Ms. Okafor.").waitFor();
		await student.screen.locator("ion-item", { hasText: "Ms. Okafor" }).waitFor();
		await screenshot(student.page, "settings-student-linked-390x844");

		await teacher.page.reload();
		await teacher.screen.locator("ion-item", { hasText: "Leo Park" }).waitFor();
		await teacherContext.close();
		await studentContext.close();
	});
});
