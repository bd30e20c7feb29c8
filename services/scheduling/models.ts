import { DataTypes, type FindOptions, type Model, type ModelStatic, type Sequelize } from "sequelize";
import type { Lesson } from "../../contracts/scheduling";

/** The scheduling tables (migrations/0007-scheduling.ts), declared once for both scheduling services. */
export function defineSchedulingModels(sequelize: Sequelize) {
	const LessonSeries = sequelize.define(
		"LessonSeries",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			teacherId: { type: DataTypes.UUID, allowNull: false },
			title: { type: DataTypes.TEXT, allowNull: false },
			location: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
			onlineUrl: { type: DataTypes.TEXT },
			notes: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
			startLocal: { type: DataTypes.TEXT, allowNull: false },
			timezone: { type: DataTypes.TEXT, allowNull: false },
			durationMinutes: { type: DataTypes.INTEGER, allowNull: false },
			rrule: { type: DataTypes.TEXT },
			spanStart: { type: DataTypes.DATE, allowNull: false },
			spanEnd: { type: DataTypes.DATE },
			sequence: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			splitFromId: { type: DataTypes.UUID }
		},
		{ tableName: "lesson_series" }
	);
	const LessonParticipant = sequelize.define(
		"LessonParticipant",
		{
			seriesId: { type: DataTypes.UUID, primaryKey: true },
			studentId: { type: DataTypes.UUID, primaryKey: true },
			teacherId: { type: DataTypes.UUID, allowNull: false }
		},
		{ tableName: "lesson_participants", timestamps: false }
	);
	const LessonException = sequelize.define(
		"LessonException",
		{
			seriesId: { type: DataTypes.UUID, primaryKey: true },
			originalStart: { type: DataTypes.DATE, primaryKey: true },
			status: { type: DataTypes.ENUM("cancelled", "moved"), allowNull: false },
			startLocal: { type: DataTypes.TEXT },
			durationMinutes: { type: DataTypes.INTEGER },
			sequence: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 }
		},
		{ tableName: "lesson_exceptions", createdAt: false }
	);
	const ReminderRule = sequelize.define(
		"ReminderRule",
		{
			seriesId: { type: DataTypes.UUID, primaryKey: true },
			userId: { type: DataTypes.UUID, primaryKey: true },
			minutesBefore: { type: DataTypes.INTEGER, primaryKey: true }
		},
		{ tableName: "lesson_reminder_rules", timestamps: false }
	);
	const PracticeReminder = sequelize.define(
		"PracticeReminder",
		{
			studentId: { type: DataTypes.UUID, primaryKey: true },
			localTime: { type: DataTypes.TEXT, allowNull: false },
			timezone: { type: DataTypes.TEXT, allowNull: false },
			enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true }
		},
		{ tableName: "practice_reminder_settings", createdAt: false }
	);
	const ScheduledMessage = sequelize.define(
		"ScheduledMessage",
		{
			messageKey: { type: DataTypes.TEXT, primaryKey: true },
			kind: { type: DataTypes.ENUM("lesson_reminder", "practice_reminder", "lesson_changed"), allowNull: false },
			seriesId: { type: DataTypes.UUID },
			teacherId: { type: DataTypes.UUID },
			recipientId: { type: DataTypes.UUID },
			occurrenceStart: { type: DataTypes.DATE },
			minutesBefore: { type: DataTypes.INTEGER },
			localDate: { type: DataTypes.TEXT },
			payload: { type: DataTypes.JSONB },
			dueAt: { type: DataTypes.DATE, allowNull: false },
			expiresAt: { type: DataTypes.DATE },
			claimedBy: { type: DataTypes.TEXT },
			leaseUntil: { type: DataTypes.DATE },
			claims: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			sentAt: { type: DataTypes.DATE },
			sentBy: { type: DataTypes.TEXT },
			skippedAt: { type: DataTypes.DATE },
			skipReason: { type: DataTypes.TEXT }
		},
		{ tableName: "scheduled_messages", updatedAt: false }
	);
	const FeedToken = sequelize.define(
		"FeedToken",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			userId: { type: DataTypes.UUID, allowNull: false },
			tokenHash: { type: DataTypes.TEXT, allowNull: false },
			lastUsedAt: { type: DataTypes.DATE },
			revokedAt: { type: DataTypes.DATE }
		},
		{ tableName: "schedule_feed_tokens", updatedAt: false }
	);
	return { primary: LessonSeries, LessonSeries, LessonParticipant, LessonException, ReminderRule, PracticeReminder, ScheduledMessage, FeedToken };
}

export type SchedulingModels = ReturnType<typeof defineSchedulingModels>;

/** A lesson_series row: the columns the API shows as they are (contracts/scheduling.ts Lesson), and the span and times it keeps as dates. */
export interface SeriesRow
	extends Pick<Lesson, "id" | "teacherId" | "title" | "location" | "onlineUrl" | "notes" | "startLocal" | "timezone" | "durationMinutes" | "rrule" | "sequence" | "splitFromId"> {
	spanStart: Date;
	spanEnd: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

export interface ExceptionRow {
	seriesId: string;
	originalStart: Date;
	status: "cancelled" | "moved";
	startLocal: string | null;
	durationMinutes: number | null;
	sequence: number;
}

export interface ScheduledMessageRow {
	messageKey: string;
	kind: "lesson_reminder" | "practice_reminder" | "lesson_changed";
	seriesId: string | null;
	teacherId: string | null;
	recipientId: string | null;
	occurrenceStart: Date | null;
	minutesBefore: number | null;
	localDate: string | null;
	payload: Record<string, unknown> | null;
	dueAt: Date;
	expiresAt: Date | null;
	claims: number;
	sentAt: Date | null;
	sentBy: string | null;
	skippedAt: Date | null;
	skipReason: string | null;
}

/** Plain rows of a model (never model instances), typed as the caller declares them. */
export async function findRows<T>(model: ModelStatic<Model>, options: FindOptions): Promise<T[]> {
	return (await model.findAll({ ...options, raw: true })) as unknown as T[];
}

export async function findRow<T>(model: ModelStatic<Model>, options: FindOptions): Promise<T | null> {
	return (await model.findOne({ ...options, raw: true })) as unknown as T | null;
}
