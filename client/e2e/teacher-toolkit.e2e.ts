import { expect, inject, it, describe } from "vitest";
import { AppDriver, chromiumForThisFile, screenshot, VIEWPORTS } from "./app-driver";
import { uploadedRecording, callApi, linkAccounts, registerAccount } from "./teaching-fixtures";

interface Pin {
	tMs: number;
	text: string;
	drawing: { shapes: Array<{ kind: string; points: Array<[number, number]> }> } | null;
	metric: { key: string; value: number | null; unit: string | null } | null;
}

/** A date `days` after today, YYYY-MM-DD (for the assignment's due date). */
function daysAhead(days: number): string {
	return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe("the teacher toolkit", () => {
	const baseUrl = inject("baseUrl");
	const browser = chromiumForThisFile();

	it("a teacher on a tablet reviews a student's analysed take and pins a drawing at 0:03; the student on a phone jumps to it and replies", async () => {
		const stamp = Date.now();
		const [teacher, student] = await Promise.all([
			registerAccount(baseUrl, {
				name: "Ms. Okafor",
				email: `okafor.${stamp}@example.com`,
				password: "teach-scales",
				role: "Teacher",
				timezone: "Europe/Vienna"
			}),
			registerAccount(baseUrl, {
				name: "Aroha Ngata",
				email: `aroha.${stamp}@example.com`,
				password: "practise-daily",
				timezone: "Pacific/Auckland"
			})
		]);
		await linkAccounts(baseUrl, teacher, student);
		const take = await uploadedRecording(baseUrl, student);

		// The teacher signs in and lands on the roster.
		const teacherContext = await browser().newContext({ viewport: VIEWPORTS.tablet, timezoneId: "Europe/Vienna" });
		const desk = await AppDriver.open(teacherContext, baseUrl);
		const signIn = desk.page.getByRole("form", { name: "Sign in" });
		await signIn.getByLabel("Email").fill(teacher.email);
		await signIn.getByLabel("Password").fill(teacher.password);
		await signIn.getByRole("button", { name: "Sign in" }).click();
		await desk.page.waitForURL("**/tabs/students");
		const roster = desk.screen.getByRole("list", { name: "Your students" });
		await roster.getByRole("list", { name: /^Aroha Ngata: 20 minutes in the last 7 days$/ }).waitFor();
		await screenshot(desk.page, "teacher-students-1024x768");
		expect(await desk.unnamedControls()).toEqual([]);

		// Tags: the designer (while the recording is processed).
		await desk.openTab("Tags");
		const tagForm = desk.screen.getByRole("form", { name: "Add tag" });
		for (const name of ["Spicato", "Détaché"]) {
			await tagForm.getByLabel("Tag name").fill(name);
			if (name === "Spicato") await desk.choose("For focus", "Technique");
			await tagForm.getByRole("button", { name: "Add tag" }).click();
			await desk.screen.getByRole("button", { name: `Edit tag ${name}` }).waitFor();
		}
		await desk.screen.getByRole("button", { name: "Delete tag Détaché" }).click();
		await desk.screen.getByRole("button", { name: "Edit tag Détaché" }).waitFor({ state: "detached" });
		await desk.screen.getByRole("button", { name: "Edit tag Spicato" }).click();
		const tagEditor = desk.screen.getByRole("form", { name: "Save tag Spicato" });
		await tagEditor.getByLabel("Tag name").fill("Spiccato");
		await tagEditor.getByRole("button", { name: "Save tag Spicato" }).click();
		await desk.screen.getByRole("button", { name: "Edit tag Spiccato" }).waitFor();
		await screenshot(desk.page, "teacher-tags-1024x768");
		expect(await desk.unnamedControls()).toEqual([]);
		const { videoId } = await take.analysed;

		await desk.openTab("Students");
		// The drill-down opens beside the roster: a weekly goal and an assignment.
		await roster.locator(`[data-student-id="${student.id}"]`).click();
		await desk.page.waitForURL(`**/tabs/students/${student.id}`);
		const drillDown = desk.screen.getByRole("article", { name: "Aroha Ngata" });
		await drillDown
			.getByRole("list", { name: "Sessions and recordings" })
			.getByRole("link", { name: "Review recording" })
			.waitFor();
		const goalForm = drillDown.getByRole("form", { name: "Set the weekly goal" });
		await goalForm.getByLabel("Minutes per week").fill("150");
		await goalForm.getByLabel("Days per week").fill("5");
		await goalForm.getByRole("button", { name: "Set the weekly goal" }).click();
		await drillDown.getByRole("region", { name: "This week's goal" }).getByText("20 min of 2 h 30 min").waitFor();
		const assignmentForm = drillDown.getByRole("form", { name: "Give assignment" });
		await assignmentForm.getByLabel("Title").fill("Allemande at 60 BPM");
		await assignmentForm.getByLabel("Due (the student's day)").fill(daysAhead(5));
		await assignmentForm.getByLabel("Target tempo (BPM)").fill("60");
		await assignmentForm.getByRole("button", { name: "Give assignment" }).click();
		await drillDown.getByRole("button", { name: "Edit Allemande at 60 BPM" }).waitFor();
		await screenshot(desk.page, "teacher-student-1024x768");
		expect(await desk.unnamedControls()).toEqual([]);

		// Review: the take plays; typing a comment pauses it; the pin goes at the shown frame with a drawing.
		await drillDown.getByRole("link", { name: "Review recording" }).click();
		await desk.page.waitForURL(`**/tabs/review/${take.sessionId}`);
		const review = desk.screen.getByRole("region", { name: "Recording review" });
		const player = review.getByLabel("Practice recording");
		await expect
			.poll(() => player.evaluate((video: HTMLVideoElement) => video.readyState), { timeout: 15_000 })
			.toBeGreaterThan(0);
		await review.getByRole("img", { name: /Loudness and intonation over 5 seconds/ }).waitFor();
		await player.evaluate((video: HTMLVideoElement) => {
			video.muted = true;
			return video.play();
		});
		await review.getByLabel(/^Comment at/).fill("Bow closer to the bridge here");
		expect(await player.evaluate((video: HTMLVideoElement) => video.paused)).toBe(true);
		await player.evaluate((video: HTMLVideoElement) => {
			video.currentTime = 3.2;
		});
		await review.getByRole("timer", { name: "Position 00:03" }).waitFor();
		await desk.choose("About", "Intonation at this moment");
		await review.locator("ion-toggle", { hasText: "Draw on the frame" }).click();
		const area = review.getByRole("img", { name: /^Drawing area/ });
		await area.scrollIntoViewIfNeeded();
		const box = (await area.boundingBox())!;
		await desk.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
		await desk.page.mouse.down();
		await desk.page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.45, { steps: 4 });
		await desk.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 4 });
		await desk.page.mouse.up();
		await review.getByRole("button", { name: "Add pin at 00:03 with 1 shape" }).click();
		await review.getByRole("button", { name: "Pin at 00:03: Bow closer to the bridge here" }).waitFor();
		await review.getByRole("button", { name: "Edit pin at 00:03" }).click();
		await review.getByLabel("Text of the pin at 00:03").fill("Bow closer to the bridge here, and slower");
		await review.getByRole("button", { name: "Save pin" }).click();
		await review.getByRole("button", { name: "Pin at 00:03: Bow closer to the bridge here, and slower" }).waitFor();
		await desk.screen
			.getByRole("form", { name: "Note on this session" })
			.getByLabel("Note on this session")
			.fill("Lovely tone overall.");
		await desk.screen.getByRole("button", { name: "Add note" }).click();
		await desk.screen.getByRole("article", { name: "Note from Ms. Okafor" }).waitFor();
		await player.scrollIntoViewIfNeeded();
		await screenshot(desk.page, "teacher-review-1024x768");
		expect(await desk.unnamedControls()).toEqual([]);

		const { items } = await callApi<{ items: Pin[] }>(baseUrl, "GET", `/videos/${videoId}/feedback`, {
			token: teacher.token
		});
		expect(items).toHaveLength(1);
		expect(items[0]!.tMs).toBeGreaterThanOrEqual(3000);
		expect(items[0]!.tMs).toBeLessThan(3300);
		// The pin carries the take's measured intonation at its moment.
		expect(items[0]!.metric).toMatchObject({ key: "deviation", unit: "cents" });
		expect(typeof items[0]!.metric!.value).toBe("number");
		const [arrow] = items[0]!.drawing!.shapes;
		expect(arrow!.kind).toBe("arrow");
		// Stored in 0–1 of the frame, wherever the player sat on the screen.
		for (const [point, expected] of [
			[arrow!.points[0]!, 0.3],
			[arrow!.points[1]!, 0.6]
		] as const) {
			expect(point[0]).toBeCloseTo(expected, 1);
			expect(point[1]).toBeCloseTo(expected, 1);
		}

		await teacherContext.close();

		// The student, on a phone, sees the pin on the session's timeline and jumps to 0:03.
		const studentContext = await browser().newContext({ viewport: VIEWPORTS.phone, timezoneId: "Pacific/Auckland" });
		const phone = await AppDriver.open(studentContext, baseUrl);
		await phone.signIn(student);
		// The Practice tab shows the teacher's weekly goal and the assignment; the log form suggests the teacher's tag.
		const plans = phone.screen.getByRole("region", { name: "Your goals and assignments" });
		await plans
			.getByRole("region", { name: "Weekly goal from Ms. Okafor" })
			.getByText("20 min of 2 h 30 min")
			.waitFor();
		const logForm = phone.page.getByRole("form", { name: "Log a practice session" });
		await phone.choose("Focus", "Technique");
		await logForm.getByLabel("Minutes practised").fill("15");
		await logForm.getByLabel("New tag", { exact: true }).fill("spic");
		await logForm.getByRole("button", { name: "Use tag Spiccato" }).click();
		await logForm.getByRole("checkbox", { name: "Tag Spiccato", checked: true }).waitFor();
		await phone.choose("For assignment", "Allemande at 60 BPM");
		await screenshot(phone.page, "student-practice-goal-390x844");
		expect(await phone.unnamedControls()).toEqual([]);
		await logForm.getByRole("button", { name: "Save session" }).click();
		// The session syncs, then the app links it to the assignment.
		const openAssignments = () =>
			callApi<Array<{ sessionIds: string[] }>>(baseUrl, "GET", "/assignments?status=open", { token: student.token });
		await expect.poll(async () => (await openAssignments())[0]?.sessionIds.length, { timeout: 15_000 }).toBe(1);
		await plans.getByRole("button", { name: "Mark Allemande at 60 BPM done" }).click();
		await plans.getByRole("list", { name: "Open assignments" }).waitFor({ state: "detached" });
		await phone.openTab("Sessions");
		await phone.page.locator(`[data-session-id="${take.sessionId}"]`).click();
		await phone.page.waitForURL(`**/tabs/sessions/${take.sessionId}`);
		const studentReview = phone.screen.getByRole("region", { name: "Recording review" });
		const studentPlayer = studentReview.getByLabel("Practice recording");
		await expect
			.poll(() => studentPlayer.evaluate((video: HTMLVideoElement) => video.readyState), { timeout: 15_000 })
			.toBeGreaterThan(0);
		await studentReview
			.getByRole("button", { name: "Pin at 00:03: Bow closer to the bridge here, and slower" })
			.click();
		await expect
			.poll(() => studentPlayer.evaluate((video: HTMLVideoElement) => video.currentTime))
			.toBeCloseTo(items[0]!.tMs / 1000, 1);
		await studentReview.getByRole("img", { name: "Drawing with 1 shapes" }).waitFor();
		await studentReview.getByText(/with a drawing · Intonation: -?\d/).waitFor();
		await studentReview.getByLabel("Reply to Ms. Okafor").fill("Will do, thank you!");
		await studentReview.getByRole("button", { name: "Send reply" }).click();
		await studentReview.getByText("Will do, thank you!").waitFor();
		await phone.screen
			.getByRole("article", { name: "Note from Ms. Okafor" })
			.getByText("Lovely tone overall.")
			.waitFor();
		await screenshot(phone.page, "student-session-feedback-390x844");
		expect(await phone.unnamedControls()).toEqual([]);
		await studentContext.close();
	});
});
