/** Lessons as the scheduling API answers them (services/scheduling/scheduling.service.ts). */
export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";

export interface Recurrence {
	frequency: "weekly" | "monthly";
	interval: number;
	weekdays?: Weekday[];
	weekdayOrdinal?: 1 | 2 | 3 | 4 | -1;
	/** YYYY-MM-DD in the lesson's zone, included */
	until?: string;
	count?: number;
}

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
	studentIds: string[];
	/** The caller's own reminders, minutes before each lesson */
	myReminders: number[];
	sequence: number;
}

export interface NewLesson {
	title: string;
	studentIds: string[];
	startLocal: string;
	timezone: string;
	durationMinutes: number;
	location?: string;
	recurrence?: Recurrence | null;
	allowOverlap?: boolean;
}

export interface LessonOccurrence {
	classId: string;
	title: string;
	/** The occurrence's identity (its planned start), to change it */
	occurrenceStart: string;
	start: string;
	end: string;
	status: "scheduled" | "moved" | "cancelled";
	/** Wall clock in the viewer's zone */
	localStart: string;
	localEnd: string;
	/** Wall clock in the lesson's own zone */
	lessonLocalStart: string;
	lessonTimezone: string;
	location: string;
	onlineUrl: string | null;
	teacherId: string;
}

export interface OccurrenceRange {
	/** YYYY-MM-DD, included */
	from: string;
	/** YYYY-MM-DD, included */
	to: string;
	tz: string;
	/** Also the cancelled ones (a teacher's week shows them struck through). */
	includeCancelled?: boolean;
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
	clash: { classId: string | null; start: string; end: string };
}
