/**
 * The teacher toolkit as the teaching API answers it (services/teaching/*.service.ts): goals, the
 * roster, feedback on recordings and assignments. Wire shapes only: times are ISO 8601 strings,
 * calendar dates YYYY-MM-DD in the student's own zone.
 */
import type { Role } from "./auth";
import type { PracticeFocus, Tag } from "./practice";

/** Why a student shows up as needing attention on the roster, with what each reason names. */
export type Attention =
	| { code: "no_practice"; message: string; /** Days since the last practice; null: never practised. */ days: number | null }
	| { code: "goal_behind"; message: string }
	| { code: "metric_worse"; message: string; /** One of the roster's headline metrics */ metric: string; change: number }
	| { code: "recording_failed"; message: string; videoId: string; sessionId: string }
	| { code: "assignment_overdue"; message: string; assignmentId: string };

export type AttentionCode = Attention["code"];

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

/** A teacher's weekly goal for a student, with the progress of the current ISO week. */
export interface WeeklyGoal {
	id: string;
	teacherId: string;
	teacherName: string;
	studentId: string;
	minutesPerWeek: number | null;
	daysPerWeek: number | null;
	focus: PracticeFocus | null;
	createdAt: string;
	updatedAt: string;
	progress: WeeklyProgress;
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

/** The shapes a teacher can draw on a frame: the server validates them, the app offers them. */
export const SHAPE_KINDS = ["arrow", "line", "rect", "ellipse", "freehand"] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** A point in 0–1 of the displayed, upright frame: x from the left edge, y from the top (a drawing survives resizing and rotation). */
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

export type FeedbackKind = "pin" | "session" | "reply";

export interface FeedbackItem {
	id: string;
	kind: FeedbackKind;
	sessionId: string;
	videoId: string | null;
	studentId: string;
	parentId: string | null;
	author: { id: string; name: string; role: Role };
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

export interface Assignment {
	id: string;
	teacherId: string;
	teacherName: string;
	studentId: string;
	title: string;
	notes: string;
	notesHtml: string;
	focus: PracticeFocus | null;
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

/** What a teacher writes into an assignment (POST, and PATCH /api/assignments/:id). */
export interface AssignmentFields {
	title: string;
	notes?: string | null;
	focus?: PracticeFocus | null;
	tagIds?: string[];
	targetTempoBpm?: number | null;
	/** YYYY-MM-DD in the student's zone */
	dueDate: string;
}

/** GET /api/assignments?status= */
export type AssignmentStatus = "open" | "done" | "all";
