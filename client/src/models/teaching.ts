/** The teacher toolkit as the teaching API answers it (services/teaching/*.service.ts). */
import type { Focus } from "./session";
import type { Tag } from "./tag";

export type AttentionCode = "no_practice" | "goal_behind" | "metric_worse" | "recording_failed" | "assignment_overdue";

export interface Attention {
	code: AttentionCode;
	message: string;
	/** recording_failed */
	sessionId?: string;
	videoId?: string;
	/** assignment_overdue */
	assignmentId?: string;
}

export interface WeeklyProgress {
	/** YYYY-MM-DD in the student's zone, Monday */
	weekStart: string;
	/** YYYY-MM-DD in the student's zone, Sunday */
	weekEnd: string;
	minutesDone: number;
	daysDone: number;
	met: boolean;
	onTrack: boolean;
}

export interface WeeklyGoal {
	id: string;
	teacherId: string;
	teacherName: string;
	studentId: string;
	minutesPerWeek: number | null;
	daysPerWeek: number | null;
	focus: Focus | null;
	createdAt: string;
	updatedAt: string;
	progress: WeeklyProgress;
}

export interface NewWeeklyGoal {
	studentId: string;
	minutesPerWeek: number | null;
	daysPerWeek: number | null;
	focus: Focus | null;
}

/** One day of the roster's heat-map. */
export interface HeatmapDay {
	/** YYYY-MM-DD in the student's own zone */
	date: string;
	minutes: number;
}

/** GET /api/students: one linked student, as a teacher scans the class. */
export interface RosterEntry {
	id: string;
	name: string;
	timezone: string;
	/** The student's calendar date now */
	today: string;
	/** The last 7 days of the student, oldest first, ending today */
	heatmap: HeatmapDay[];
	streakDays: number;
	lastPracticeAt: string | null;
	thisWeek: { weekStart: string; weekEnd: string; sessions: number; minutes: number; practiceDays: number };
	goal: WeeklyGoal | null;
	latestRecording: {
		sessionId: string;
		videoId: string;
		recordedAt: string;
		summary: Record<string, number | null>;
		changeFromPreviousWeek: Record<string, number | null>;
	} | null;
	openAssignments: number;
	overdueAssignments: number;
	needsAttention: Attention[];
}

export const SHAPE_KINDS = ["arrow", "line", "rect", "ellipse", "freehand"] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** A point in 0–1 of the displayed frame: x from the left edge, y from the top. */
export type NormalisedPoint = [number, number];

export interface DrawingShape {
	kind: ShapeKind;
	/** Two points (from and to, or opposite corners), or a freehand path */
	points: NormalisedPoint[];
	/** "#rrggbb" */
	color: string;
}

export interface Drawing {
	shapes: DrawingShape[];
}

export interface FeedbackItem {
	id: string;
	kind: "pin" | "session" | "reply";
	sessionId: string;
	videoId: string | null;
	studentId: string;
	parentId: string | null;
	author: { id: string; name: string; role: "student" | "teacher" | "admin" };
	/** Milliseconds into the recording (pins) */
	tMs: number | null;
	endTMs: number | null;
	/** As written (light markdown) */
	text: string;
	/** Rendered and sanitised by the server */
	html: string;
	drawing: Drawing | null;
	metric: { key: string; value: number | null; unit: string | null } | null;
	rating: number | null;
	replies: FeedbackItem[];
	createdAt: string;
	updatedAt: string;
}

export interface NewPin {
	tMs: number;
	endTMs?: number;
	text: string;
	drawing?: Drawing;
	metric?: { key: string };
}

export interface PinChanges {
	text?: string;
	tMs?: number;
	drawing?: Drawing | null;
}

export interface Assignment {
	id: string;
	teacherId: string;
	teacherName: string;
	studentId: string;
	title: string;
	notes: string;
	notesHtml: string;
	focus: Focus | null;
	tags: Tag[];
	targetTempoBpm: number | null;
	/** YYYY-MM-DD in the student's zone */
	dueDate: string;
	/** 23:59:59 of the due date in the student's zone */
	dueAt: string;
	overdue: boolean;
	doneAt: string | null;
	sessionIds: string[];
	createdAt: string;
	updatedAt: string;
}

export interface AssignmentFields {
	title: string;
	notes?: string | null;
	focus?: Focus | null;
	tagIds?: string[];
	targetTempoBpm?: number | null;
	dueDate: string;
}

export interface NewAssignment extends AssignmentFields {
	studentId: string;
}

export type AssignmentStatus = "open" | "done" | "all";

export interface TagSuggestion extends Tag {
	source: "teacher" | "own";
	uses: number;
}
