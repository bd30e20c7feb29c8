/** Lessons: the wire shapes come from contracts/scheduling.ts; the requests are the app's own. */
import type { Recurrence } from "../../../contracts/scheduling";

export type {
	FeedLink,
	FeedTokenStatus,
	Lesson,
	LessonClash,
	LessonException,
	LessonOccurrence,
	Recurrence,
	Weekday
} from "../../../contracts/scheduling";

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

export interface OccurrenceRange {
	/** YYYY-MM-DD, included */
	from: string;
	/** YYYY-MM-DD, included */
	to: string;
	tz: string;
	/** Also the cancelled ones (a teacher's week shows them struck through). */
	includeCancelled?: boolean;
}
