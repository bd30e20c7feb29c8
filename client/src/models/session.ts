/** Practice sessions: the wire shapes come from contracts/practice.ts; the requests and labels are the app's own. */
import type { PracticeFocus as Focus } from "../../../contracts/practice";

export { PRACTICE_FOCUSES as FOCUS_VALUES } from "../../../contracts/practice";
export type {
	CreatedPracticeSession,
	Page,
	PracticeFocus as Focus,
	PracticeSession,
	SessionMetricsSummary,
	UploadTarget
} from "../../../contracts/practice";
export type { VideoState, VideoView as SessionVideo } from "../../../contracts/media";

export const FOCUS_LABELS: Record<Focus, string> = {
	scales: "Scales",
	etudes: "Études",
	repertoire: "Repertoire",
	technique: "Technique",
	sight_reading: "Sight-reading",
	ear_training: "Ear training",
	improvisation: "Improvisation",
	other: "Other"
};

export interface NewPracticeSession {
	id: string;
	focus: Focus;
	startedAt: string;
	endedAt: string;
	selfRating?: number;
	note?: string;
	tagIds?: string[];
}

export type PracticeSessionChanges = Partial<Omit<NewPracticeSession, "id">>;

export interface SessionFilter {
	from?: string;
	to?: string;
	focus?: Focus;
	tagId?: string;
	limit?: number;
	offset?: number;
}

export const NOTE_MAX_LENGTH = 4000;
export const SESSION_MAX_DURATION_MS = 12 * 60 * 60 * 1000;
