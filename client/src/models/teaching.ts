/** The teacher toolkit: the wire shapes come from contracts/teaching.ts; the requests are the app's own. */
import type { AssignmentFields, Drawing } from "../../../contracts/teaching";
import type { Focus } from "./session";

export { SHAPE_KINDS } from "../../../contracts/teaching";
export type {
	Assignment,
	AssignmentFields,
	AssignmentStatus,
	Attention,
	AttentionCode,
	Drawing,
	DrawingShape,
	FeedbackItem,
	HeatmapDay,
	NormalisedPoint,
	RosterEntry,
	ShapeKind,
	WeeklyGoal,
	WeeklyProgress
} from "../../../contracts/teaching";
export type { TagSuggestion } from "../../../contracts/practice";

export interface NewWeeklyGoal {
	studentId: string;
	minutesPerWeek: number | null;
	daysPerWeek: number | null;
	focus: Focus | null;
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

export interface NewAssignment extends AssignmentFields {
	studentId: string;
}
