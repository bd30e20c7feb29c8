/**
 * Practice sessions and tags as the practice API answers them (services/practice/*.service.ts).
 * Wire shapes only: JSON carries every time as an ISO 8601 string.
 */
import type { VideoView } from "./media";

/**
 * The practice focuses, in the order the app offers them. A value list rather than a type alone
 * because both sides need it at run time: the server validates and stores the enum, the app lists it.
 */
export const PRACTICE_FOCUSES = [
	"scales",
	"etudes",
	"repertoire",
	"technique",
	"sight_reading",
	"ear_training",
	"improvisation",
	"other"
] as const;

export type PracticeFocus = (typeof PRACTICE_FOCUSES)[number];

export interface Tag {
	id: string;
	name: string;
	/** "#rrggbb" */
	color: string;
	/** The practice focus the tag belongs to; null: any. */
	focus: PracticeFocus | null;
	/** GET /api/tags only: whether the caller designed it (a student also sees their teachers' tags). */
	ownedByMe?: boolean;
}

/** GET /api/tags/suggest: a tag the caller may use, ranked. */
export interface TagSuggestion extends Tag {
	source: "teacher" | "own";
	/** How many of the caller's sessions carry it. */
	uses: number;
}

/** Summary figures of the latest analysis; the keys vary with the analyser version. */
export interface SessionMetricsSummary {
	analyserVersion: string;
	metrics: Record<string, number | null>;
}

export interface PracticeSession {
	id: string;
	studentId: string;
	focus: PracticeFocus;
	startedAt: string;
	endedAt: string;
	durationMinutes: number;
	selfRating: number | null;
	/** "" when there is none. */
	note: string;
	tags: Tag[];
	/** Absent when the media service cannot be reached right now. */
	videos?: VideoView[];
	/** The latest recording's analysis once there is one; absent when analytics cannot be reached. */
	metrics?: SessionMetricsSummary | null;
	createdAt: string;
	updatedAt: string;
}

/** Where the recording goes (tus 1.0); each upload sends sessionId and one of the kinds as Upload-Metadata. */
export interface UploadTarget {
	endpoint: string;
	metadata: { sessionId: string; kinds: Array<"video" | "sensors"> };
}

/** POST /api/sessions answers the session and where to upload its recording. */
export interface CreatedPracticeSession extends PracticeSession {
	uploads?: UploadTarget;
}

/** A list endpoint's page (GET /api/sessions). */
export interface Page<T> {
	items: T[];
	total: number;
	limit: number;
	offset: number;
}
