import type { NotificationLink } from "../models/notification";
import type { Role } from "../models/user";

/** The app route a notification opens for this person, or undefined when it has no screen of its own here. */
export function routeOfNotification(link: NotificationLink, role: Role): string | undefined {
	switch (link.screen) {
		case "lessons":
			// Teachers plan lessons on their own tab; students see their next lessons on the Practice tab.
			return role === "teacher" ? "/tabs/lessons" : "/tabs/practice";
		case "session":
			return role === "student" && typeof link.sessionId === "string" ? `/tabs/sessions/${encodeURIComponent(link.sessionId)}` : undefined;
		case "assignments":
		case "goals":
		case "practice":
			return role === "student" ? "/tabs/practice" : undefined;
		case "settings":
			return "/tabs/settings";
		default:
			return undefined;
	}
}

/** Names people read in the settings, per category. */
export const CATEGORY_NAMES: Record<string, string> = {
	lesson_reminder: "Lesson reminders",
	lesson_changed: "Lessons moved",
	lesson_cancelled: "Lessons cancelled",
	practice_reminder: "Daily practice reminder",
	feedback: "Feedback from your teacher or student",
	assignment: "New assignments",
	goal: "Weekly goals",
	analysis: "Recording analysis",
	community: "Answers and comments on your posts",
	security: "Account security"
};
