import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../lib/domain-events";
import { collapseKeyOf, noticesFor, TRIGGER_CHANNELS } from "./notices";

const envelope = { eventId: "event-1", occurredAt: "2026-12-01T10:00:00.000Z" };

describe("notices from triggers", () => {
	it("a lesson reminder expires when the lesson starts and shares its collapse key with the occurrence's other reminders", () => {
		const reminder = (minutesBefore: number, eventId: string): DomainEvent<"lessons.reminder_due"> => ({
			...envelope,
			eventId,
			reminderKey: eventId,
			lessonId: "lesson-1",
			recipientId: "student-1",
			occurrenceStart: "2026-12-02T15:00:00.000Z",
			startsAt: "2026-12-02T15:30:00.000Z",
			title: "Cello",
			minutesBefore
		});
		const [dayBefore] = noticesFor("lessons.reminder_due", reminder(1440, "r-1440"));
		const [hourBefore] = noticesFor("lessons.reminder_due", reminder(60, "r-60"));
		expect(hourBefore).toMatchObject({ recipientId: "student-1", category: "lesson_reminder", dedupeKey: "r-60", body: "Starts in 1 hour", expiresAt: new Date("2026-12-02T15:30:00.000Z") });
		expect(dayBefore!.body).toBe("Starts tomorrow at this time");
		expect(hourBefore!.collapseKey).toBe(dayBefore!.collapseKey);
		expect(hourBefore!.collapseKey).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
	});

	it("a cancelled occurrence is a locked lesson_cancelled notice for every recipient; a move is lesson_changed", () => {
		const change = (kind: "moved" | "cancelled"): DomainEvent<"lessons.changed"> => ({
			...envelope,
			lessonId: "lesson-1",
			occurrenceStart: "2026-12-02T15:00:00.000Z",
			change: kind,
			recipientIds: ["a", "b"],
			title: "Cello",
			startsAt: null
		});
		expect(noticesFor("lessons.changed", change("cancelled")).map((notice) => [notice.recipientId, notice.category, notice.dedupeKey])).toEqual([
			["a", "lesson_cancelled", "event-1"],
			["b", "lesson_cancelled", "event-1"]
		]);
		expect(noticesFor("lessons.changed", change("moved"))[0]!.category).toBe("lesson_changed");
		expect(noticesFor("lessons.changed", change("moved"))[0]!.collapseKey).toBe(collapseKeyOf("lesson", "lesson-1", "2026-12-02T15:00:00.000Z", "a"));
	});

	it("nobody is told of their own feedback or their own community post", () => {
		const feedback = noticesFor("feedback.created", {
			...envelope,
			feedbackId: "f",
			authorId: "teacher",
			recipientIds: ["teacher", "student"],
			studentId: "student",
			sessionId: "s",
			videoId: "v",
			tMs: 1200,
			excerpt: "Lovely bow",
			parentId: null
		});
		expect(feedback.map((notice) => notice.recipientId)).toEqual(["student"]);
		expect(feedback[0]).toMatchObject({ category: "feedback", body: "Lovely bow", link: { screen: "session", sessionId: "s", videoId: "v", tMs: 1200 } });
		expect(feedback[0]!.aboutUserId).toBeNull();
		// The student's reply told to the teacher is about the student: it goes when their account is purged.
		const reply = noticesFor("feedback.created", {
			...envelope,
			feedbackId: "r",
			authorId: "student",
			recipientIds: ["teacher"],
			studentId: "student",
			sessionId: "s",
			videoId: "v",
			tMs: 1200,
			excerpt: "Thanks",
			parentId: "f"
		});
		expect(reply).toMatchObject([{ recipientId: "teacher", aboutUserId: "student" }]);
		expect(noticesFor("community.answered", { ...envelope, postId: "p", answerId: "x", authorId: "me", recipientId: "me", title: "Vibrato" })).toEqual([]);
		expect(noticesFor("community.commented", { ...envelope, postId: "p", commentId: "c", authorId: "you", recipientId: "me", title: "Vibrato" })[0]).toMatchObject({
			recipientId: "me",
			category: "community",
			link: { screen: "community", postId: "p" }
		});
	});

	it("every trigger channel makes a notice", () => {
		const base = { ...envelope, studentId: "s", teacherId: "t", recipientId: "r", recipientIds: ["r"], authorId: "a", sessionId: "x", videoId: "v", code: "E", title: "T" };
		for (const channel of TRIGGER_CHANNELS) {
			expect(noticesFor(channel, { ...base, minutesBefore: 60, startsAt: "2030-01-01T00:00:00Z", occurrenceStart: null, change: "moved" } as never).length, channel).toBe(1);
		}
	});
});
