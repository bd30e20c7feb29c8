import { createHash } from "node:crypto";
import type { DomainChannel, DomainEvent } from "../../lib/domain-events";

/** What a notification is about; preferences are kept per category and push channel. */
export const CATEGORIES = [
	"lesson_reminder",
	"lesson_changed",
	"lesson_cancelled",
	"practice_reminder",
	"feedback",
	"assignment",
	"goal",
	"analysis",
	"community",
	"security"
] as const;
export type Category = (typeof CATEGORIES)[number];

/** People must hear of these whatever they chose: a lesson that is off, their account's safety. */
export const LOCKED_CATEGORIES: ReadonlySet<Category> = new Set(["lesson_cancelled", "security"]);

/** Push channels; the inbox always keeps every notice, so it has no switch. */
export const PUSH_CHANNELS = ["web", "device"] as const;
export type PushChannel = (typeof PUSH_CHANNELS)[number];

/** Web Push urgency (RFC 8030); devices get the matching priority. */
export type Urgency = "very-low" | "low" | "normal" | "high";

/** Time-bound notices wake a phone; an analysis result can wait for a good moment. */
export const URGENCY: Record<Category, Urgency> = {
	lesson_reminder: "high",
	lesson_changed: "high",
	lesson_cancelled: "high",
	practice_reminder: "normal",
	feedback: "normal",
	assignment: "normal",
	goal: "normal",
	analysis: "low",
	community: "normal",
	security: "high"
};

/** Where the app goes when the notice is clicked: one of its own screens, with ids. */
export interface NoticeLink {
	screen: "lessons" | "session" | "assignments" | "goals" | "practice" | "community" | "settings";
	[key: string]: string | number | null;
}

/** One inbox row to be, for one recipient. */
export interface Notice {
	recipientId: string;
	/** The person whose activity the notice tells of, when not the recipient: purged with them. */
	aboutUserId: string | null;
	category: Category;
	title: string;
	body: string;
	link: NoticeLink;
	/** The event's eventId: unique per recipient, so a redelivered event adds nothing. */
	dedupeKey: string;
	/** A newer push with the same key replaces an older one still on the device. */
	collapseKey: string;
	/** No push at or after this (a lesson reminder: when the lesson starts). */
	expiresAt: Date | null;
}

/** The durable channels this service consumes; each one becomes notices for its recipients. */
export const TRIGGER_CHANNELS = [
	"feedback.created",
	"assignments.created",
	"goals.set",
	"lessons.reminder_due",
	"lessons.changed",
	"practice.reminder_due",
	"analytics.metrics_ready",
	"analytics.metrics_failed",
	"media.video_failed",
	"community.answered",
	"community.commented",
	"community.accepted"
] as const satisfies readonly DomainChannel[];
export type TriggerChannel = (typeof TRIGGER_CHANNELS)[number];

/** Web Push topics are at most 32 URL-safe characters; APNs collapse ids at most 64 bytes. */
export function collapseKeyOf(...parts: string[]): string {
	return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 32);
}

function minutesText(minutes: number): string {
	if (minutes % 1440 === 0) return minutes === 1440 ? "tomorrow at this time" : `in ${minutes / 1440} days`;
	if (minutes % 60 === 0) return minutes === 60 ? "in 1 hour" : `in ${minutes / 60} hours`;
	return `in ${minutes} minutes`;
}

type NoticeFields = Pick<Notice, "category" | "title" | "body" | "link"> & Partial<Pick<Notice, "collapseKey" | "expiresAt" | "aboutUserId">>;
const noticeOf = (event: { eventId: string }, recipientId: string, fields: NoticeFields): Notice => ({
	recipientId,
	aboutUserId: null,
	dedupeKey: event.eventId,
	collapseKey: collapseKeyOf(event.eventId),
	expiresAt: null,
	...fields
});

/**
 * The notices a trigger makes, one per recipient. Pure: the wording and the link live here,
 * the delivery rules in the consumer. Nobody is told of what they did themselves.
 */
export function noticesFor<C extends TriggerChannel>(channel: C, event: DomainEvent<C>): Notice[] {
	const e = event as { eventId: string };
	switch (channel) {
		case "feedback.created": {
			const f = event as DomainEvent<"feedback.created">;
			return f.recipientIds
				.filter((id) => id !== f.authorId)
				.map((id) =>
					noticeOf(e, id, {
						category: "feedback",
						title: f.parentId ? "New reply to your feedback" : "New feedback on your practice",
						body: f.excerpt,
						link: { screen: "session", sessionId: f.sessionId, videoId: f.videoId, tMs: f.tMs, feedbackId: f.feedbackId },
						aboutUserId: id === f.studentId ? null : f.studentId
					})
				);
		}
		case "assignments.created": {
			const a = event as DomainEvent<"assignments.created">;
			return [noticeOf(e, a.studentId, { category: "assignment", title: "New assignment", body: a.title, link: { screen: "assignments", assignmentId: a.assignmentId } })];
		}
		case "goals.set": {
			const g = event as DomainEvent<"goals.set">;
			const parts = [g.minutesPerWeek ? `${g.minutesPerWeek} minutes` : null, g.daysPerWeek ? `${g.daysPerWeek} days` : null].filter(Boolean);
			return [noticeOf(e, g.studentId, { category: "goal", title: "Your weekly goal", body: parts.length ? `${parts.join(", ")} a week` : "Your teacher changed your goal", link: { screen: "goals", goalId: g.goalId } })];
		}
		case "lessons.reminder_due": {
			const r = event as DomainEvent<"lessons.reminder_due">;
			return [
				noticeOf(e, r.recipientId, {
					category: "lesson_reminder",
					title: r.title || "Lesson",
					body: `Starts ${minutesText(r.minutesBefore)}`,
					link: { screen: "lessons", lessonId: r.lessonId, occurrenceStart: r.occurrenceStart },
					// Each reminder of one occurrence replaces the one before it on the device.
					collapseKey: collapseKeyOf("lesson", r.lessonId, r.occurrenceStart, r.recipientId),
					expiresAt: new Date(r.startsAt)
				})
			];
		}
		case "lessons.changed": {
			const c = event as DomainEvent<"lessons.changed">;
			const cancelled = c.change === "cancelled";
			return c.recipientIds.map((id) =>
				noticeOf(e, id, {
					category: cancelled ? "lesson_cancelled" : "lesson_changed",
					title: cancelled ? `Cancelled: ${c.title}` : `Moved: ${c.title}`,
					body: cancelled ? (c.occurrenceStart ? "This lesson will not take place" : "The lesson series has ended") : "The lesson has a new time",
					link: { screen: "lessons", lessonId: c.lessonId, occurrenceStart: c.occurrenceStart, startsAt: c.startsAt },
					// A change replaces the reminders of the same occurrence still on the device.
					collapseKey: c.occurrenceStart ? collapseKeyOf("lesson", c.lessonId, c.occurrenceStart, id) : collapseKeyOf(c.eventId)
				})
			);
		}
		case "practice.reminder_due": {
			const p = event as DomainEvent<"practice.reminder_due">;
			return [
				noticeOf(e, p.studentId, {
					category: "practice_reminder",
					title: "Time to practise",
					body: "A few minutes today keep your streak going",
					link: { screen: "practice", localDate: p.localDate },
					collapseKey: collapseKeyOf("practice", p.studentId)
				})
			];
		}
		case "analytics.metrics_ready": {
			const m = event as DomainEvent<"analytics.metrics_ready">;
			return [noticeOf(e, m.studentId, { category: "analysis", title: "Your recording is analysed", body: "Tempo, intonation and dynamics are ready", link: { screen: "session", sessionId: m.sessionId, videoId: m.videoId } })];
		}
		case "analytics.metrics_failed":
		case "media.video_failed": {
			const m = event as DomainEvent<"analytics.metrics_failed">;
			return [noticeOf(e, m.studentId, { category: "analysis", title: "We could not analyse your recording", body: "Open it to try again or record a new take", link: { screen: "session", sessionId: m.sessionId, videoId: m.videoId } })];
		}
		case "community.answered":
		case "community.commented":
		case "community.accepted": {
			const c = event as DomainEvent<"community.answered">;
			if (c.recipientId === c.authorId) return [];
			const title = { "community.answered": "New answer to your question", "community.commented": "New comment on your post", "community.accepted": "Your answer was accepted" }[channel as "community.answered"];
			return [noticeOf(e, c.recipientId, { category: "community", title, body: c.title, link: { screen: "community", postId: c.postId } })];
		}
		default:
			return [];
	}
}
