import type { Tag } from "./tag";

export const FOCUS_VALUES = [
	"scales",
	"etudes",
	"repertoire",
	"technique",
	"sight_reading",
	"ear_training",
	"improvisation",
	"other"
] as const;

export type Focus = (typeof FOCUS_VALUES)[number];

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

export type VideoState = "uploading" | "queued" | "processing" | "ready" | "failed";

export interface SessionVideo {
	id: string;
	state: VideoState;
	/** percent, 0..100 */
	progress: number;
	failureReason: string | null;
	hlsUrl: string | null;
	thumbnailUrl: string | null;
	durationS: number | null;
}

/** Summary figures of the latest analysis; the keys vary with the analyser version. */
export interface SessionMetricsSummary {
	analyserVersion: string;
	metrics: Record<string, number | null>;
}

export interface PracticeSession {
	id: string;
	studentId: string;
	focus: Focus;
	startedAt: string;
	endedAt: string;
	durationMinutes: number;
	selfRating: number | null;
	note: string | null;
	tags: Tag[];
	videos?: SessionVideo[];
	metrics?: SessionMetricsSummary | null;
	createdAt: string;
	updatedAt: string;
}

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

/** Where the recording goes (tus 1.0); each upload sends sessionId and one of the kinds as Upload-Metadata. */
export interface UploadTarget {
	endpoint: string;
	metadata: { sessionId: string; kinds: Array<"video" | "sensors"> };
}

export interface CreatedPracticeSession extends PracticeSession {
	uploads?: UploadTarget;
}

export interface SessionFilter {
	from?: string;
	to?: string;
	focus?: Focus;
	tagId?: string;
	limit?: number;
	offset?: number;
}

export interface Page<T> {
	items: T[];
	total: number;
	limit: number;
	offset: number;
}

export const NOTE_MAX_LENGTH = 4000;
export const SESSION_MAX_DURATION_MS = 12 * 60 * 60 * 1000;
