/**
 * Lessons as the scheduling API answers them (services/scheduling/scheduling.service.ts). Wire
 * shapes only: instants are ISO 8601 strings; wall-clock times ("YYYY-MM-DDTHH:mm") and dates
 * ("YYYY-MM-DD") are in the zone named beside them.
 */

export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";

/** How a lesson repeats, as the API takes and answers it; stored as an RRULE. */
export interface Recurrence {
	frequency: "weekly" | "monthly";
	/** Every N weeks or months. */
	interval: number;
	/** Weekly: the days of the week (default: the first lesson's). */
	weekdays?: Weekday[];
	/** Monthly: which of the month's weekdays (1–4 = first to fourth, -1 = last); the weekday is the first lesson's. */
	weekdayOrdinal?: 1 | 2 | 3 | 4 | -1;
	/** YYYY-MM-DD in the lesson's zone: the last day a lesson may fall on (included). */
	until?: string;
	/** How many lessons in all. */
	count?: number;
}

/** One occurrence of a series that was cancelled or moved. */
export interface LessonException {
	occurrenceStart: string;
	status: "cancelled" | "moved";
	startLocal: string | null;
	durationMinutes: number | null;
}

/** A lesson series (GET /api/schedule/classes, /api/schedule/classes/:id). */
export interface Lesson {
	id: string;
	teacherId: string;
	title: string;
	location: string;
	onlineUrl: string | null;
	notes: string;
	/** Wall clock of the first lesson in `timezone`, "YYYY-MM-DDTHH:mm" */
	startLocal: string;
	timezone: string;
	durationMinutes: number;
	recurrence: Recurrence | null;
	rrule: string | null;
	sequence: number;
	/** The series this one was split from (a change to "this and the following" lessons). */
	splitFromId: string | null;
	/** A teacher sees every student of the lesson; a student only themselves. */
	studentIds: string[];
	exceptions: LessonException[];
	/** The caller's own reminders for this lesson, minutes before it starts. */
	myReminders: number[];
	createdAt: string;
	updatedAt: string;
}

/** One lesson as it happens, in the viewer's calendar (GET /api/schedule/occurrences). */
export interface LessonOccurrence {
	classId: string;
	title: string;
	/** The occurrence's identity (its planned start), to change it. */
	occurrenceStart: string;
	start: string;
	end: string;
	status: "scheduled" | "moved" | "cancelled";
	/** Wall clock in the viewer's zone. */
	localStart: string;
	localEnd: string;
	/** Wall clock in the lesson's own zone. */
	lessonLocalStart: string;
	lessonTimezone: string;
	location: string;
	onlineUrl: string | null;
	teacherId: string;
}

export interface FeedTokenStatus {
	active: boolean;
	createdAt: string | null;
	lastUsedAt: string | null;
}

/** Shown once, when made: only a hash is kept on the server. */
export interface FeedLink {
	url: string;
	webcalUrl: string;
	createdAt: string;
}

/** 409 ERR_LESSON_CONFLICT details: the lesson it overlaps (another teacher's by its times only). */
export interface LessonClash {
	occurrence: { start: string; end: string };
	clash: {
		/** null for another teacher's lesson */
		classId: string | null;
		occurrenceStart: string | null;
		start: string;
		end: string;
		/** Who of those taking part is busy then. */
		people: string[];
	};
}
