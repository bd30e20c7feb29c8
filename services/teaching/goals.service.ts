import type { Context, ServiceSchema } from "moleculer";
import { DataTypes, Op, type Sequelize, type Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import type { WeeklyGoal as GoalWithProgress } from "../../contracts/teaching";
import { NotFoundError, ValidationFailedError } from "../../lib/errors";
import { DbMixin, type PersonActor } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import type { PersonProfile } from "../auth.service";
import { PRACTICE_FOCUSES, type PracticeFocus, type StudentPracticeDay } from "../practice/sessions.service";
import { StudentRelationsMixin, type StudentEntity } from "./student-relations.mixin";
import { isoWeekOf, localToday, weeklyProgress, type PracticeDay } from "./weeks";

export interface GoalRow {
	id: string;
	teacherId: string;
	studentId: string;
	minutesPerWeek: number | null;
	daysPerWeek: number | null;
	focus: PracticeFocus | null;
	createdAt: Date;
	updatedAt: Date;
}

type GoalContext<P = Record<string, never>> = Context<P, EtudeMeta>;

interface GoalTargets {
	minutesPerWeek?: number | null;
	daysPerWeek?: number | null;
	focus?: PracticeFocus | null;
}

function defineModels(sequelize: Sequelize) {
	const Goal = sequelize.define(
		"WeeklyGoal",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			teacherId: { type: DataTypes.UUID, allowNull: false },
			studentId: { type: DataTypes.UUID, allowNull: false },
			minutesPerWeek: { type: DataTypes.INTEGER },
			daysPerWeek: { type: DataTypes.SMALLINT },
			focus: { type: DataTypes.ENUM(...PRACTICE_FOCUSES) }
		},
		{ tableName: "weekly_goals" }
	);
	return { primary: Goal };
}

type GoalModels = ReturnType<typeof defineModels>;

/** A goal with its progress this week, from the student's practice days of the week. */
export function goalWithProgress(goal: GoalRow, teacherName: string, days: readonly PracticeDay[], today: string): GoalWithProgress {
	return {
		id: goal.id,
		teacherId: goal.teacherId,
		teacherName,
		studentId: goal.studentId,
		minutesPerWeek: goal.minutesPerWeek,
		daysPerWeek: goal.daysPerWeek,
		focus: goal.focus,
		createdAt: new Date(goal.createdAt).toISOString(),
		updatedAt: new Date(goal.updatedAt).toISOString(),
		progress: weeklyProgress(goal, days, today)
	};
}

/**
 * Weekly practice goals a teacher sets for a student: minutes and/or days in the ISO week
 * (Monday–Sunday) of the student's own time zone, optionally counting one focus only. One goal
 * per teacher and student; the student sees every teacher's goal and its progress.
 */
export default function goalsService(): ServiceSchema {
	return {
		name: "goals",
		mixins: [DbMixin(defineModels), StudentRelationsMixin(), PersonalDataMixin(), Outbox()],
		settings: { rest: "/" },

		actions: {
			set: {
				rest: "PUT /goals",
				permissions: ["teacher"],
				openapi: { summary: "Set (or replace) a linked student's weekly goal: minutes and/or days, optionally for one focus" },
				params: {
					$$strict: true,
					studentId: { type: "uuid" },
					minutesPerWeek: { type: "number", integer: true, min: 1, max: 10_080, optional: true, nullable: true },
					daysPerWeek: { type: "number", integer: true, min: 1, max: 7, optional: true, nullable: true },
					focus: { type: "enum", values: PRACTICE_FOCUSES, optional: true, nullable: true }
				},
				async handler(ctx: GoalContext<GoalTargets & { studentId: string }>): Promise<GoalWithProgress> {
					const { studentId, minutesPerWeek = null, daysPerWeek = null, focus = null } = ctx.params;
					const actor: PersonActor = await this.requireReadableStudent(ctx, studentId);
					if (minutesPerWeek === null && daysPerWeek === null) {
						throw new ValidationFailedError("A goal needs a target", [{ field: "minutesPerWeek", message: "Set minutes per week, days per week, or both." }]);
					}
					const { primary: Goal } = this.models as GoalModels;
					const teacherId = actor.userId;
					const { row, recorded } = await this.transactionAs(actor, async (transaction: Transaction) => {
						await Goal.upsert({ teacherId, studentId, minutesPerWeek, daysPerWeek, focus, updatedAt: new Date() }, { conflictFields: ["teacher_id", "student_id"], transaction });
						const [goal] = (await Goal.findAll({ where: { teacherId, studentId }, raw: true, transaction })) as unknown as GoalRow[];
						const announced = await this.recordEvent(transaction, actor, "goals.set", { goalId: goal!.id, teacherId, studentId, minutesPerWeek, daysPerWeek });
						return { row: goal!, recorded: announced };
					});
					await this.sendRecorded([recorded]);
					const [view] = await this.withProgress(ctx, studentId, [row]);
					return view!;
				}
			},

			list: {
				rest: "GET /goals",
				permissions: ["student", "teacher"],
				openapi: { summary: "Weekly goals with this week's progress: a student's own (from every teacher), or a teacher's goal for a linked student" },
				params: { $$strict: true, studentId: { type: "uuid", optional: true } },
				async handler(ctx: GoalContext<{ studentId?: string }>): Promise<GoalWithProgress[]> {
					const user = ctx.meta.user!;
					const studentId = ctx.params.studentId ?? user.id;
					const actor: PersonActor = await this.requireReadableStudent(ctx, studentId);
					const { primary: Goal } = this.models as GoalModels;
					// Row-level security shows a teacher their own goals only.
					const rows = await this.transactionAs(actor, (transaction: Transaction) =>
						Goal.findAll({ where: { studentId }, order: [["createdAt", "ASC"]], raw: true, transaction })
					);
					return this.withProgress(ctx, studentId, rows as unknown as GoalRow[]);
				}
			},

			remove: {
				rest: "DELETE /goals/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Remove a weekly goal you set" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: GoalContext<{ id: string }>): Promise<void> {
					const { primary: Goal } = this.models as GoalModels;
					await this.transactionAs(ctx.locals.actor, (transaction: Transaction) => Goal.destroy({ where: { id: ctx.params.id }, transaction }));
					ctx.meta.$statusCode = 204;
				}
			},

			/** A teacher's goals for the given students (the roster). */
			ofTeacher: {
				visibility: "public",
				idempotent: true,
				params: { teacherId: "uuid", studentIds: { type: "array", items: "uuid", max: 1000 } },
				async handler(ctx: Context<{ teacherId: string; studentIds: string[] }>): Promise<GoalRow[]> {
					if (ctx.params.studentIds.length === 0) return [];
					const { primary: Goal } = this.models as GoalModels;
					// The caller decided these students are the teacher's.
					return this.findAllAs(this.systemActor(), Goal, { where: { teacherId: ctx.params.teacherId, studentId: { [Op.in]: ctx.params.studentIds } } });
				}
			}
		},

		methods: {
			async findEntity(ctx: GoalContext<{ id: string }>): Promise<StudentEntity & { goal: GoalRow }> {
				const actor: PersonActor = await this.actorForEntity(ctx);
				const { primary: Goal } = this.models as GoalModels;
				const [row] = await this.transactionAs(actor, (transaction: Transaction) => Goal.findAll({ where: { id: ctx.params.id }, raw: true, transaction }));
				if (!row) throw new NotFoundError("Goal", "ERR_GOAL_NOT_FOUND");
				const goal = row as unknown as GoalRow;
				return { goal, ownerId: goal.teacherId, studentId: goal.studentId };
			},

			/** Progress in the student's current week, with the teachers' names. */
			async withProgress(ctx: Context, studentId: string, goals: GoalRow[]): Promise<GoalWithProgress[]> {
				if (goals.length === 0) return [];
				const people: PersonProfile[] = await ctx.call("auth.profilesOf", { userIds: [studentId, ...goals.map((goal) => goal.teacherId)] });
				const student = people.find((person) => person.id === studentId);
				if (!student) throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");
				const today = localToday(student.timezone);
				const { days }: { days: StudentPracticeDay[] } = await ctx.call("sessions.practiceOfStudents", {
					students: [{ studentId, timezone: student.timezone, from: isoWeekOf(today).weekStart, to: today }]
				});
				const names = new Map(people.map((person) => [person.id, person.name]));
				return goals.map((goal) => goalWithProgress(goal, names.get(goal.teacherId) ?? "Former teacher", days, today));
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { primary: Goal } = this.models as GoalModels;
				const rows = await this.asSystem((transaction: Transaction) =>
					Goal.findAll({ where: { [Op.or]: [{ teacherId: userId }, { studentId: userId }] }, raw: true, transaction })
				);
				return { tables: { weekly_goals: rows as object[] } };
			},

			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				const { primary: Goal } = this.models as GoalModels;
				await this.asSystem((transaction: Transaction) => Goal.destroy({ where: { [Op.or]: [{ teacherId: userId }, { studentId: userId }] }, transaction }));
			}
		}
	};
}
