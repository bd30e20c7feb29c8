import type { Context, Service, ServiceSchema } from "moleculer";
import { DataTypes, Op, type Sequelize, type Transaction, type WhereOptions } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import type { Assignment as AssignmentView, AssignmentFields, AssignmentStatus } from "../../contracts/teaching";
import { READS_KEPT_MESSAGES, type DomainEvent } from "../../lib/domain-events";
import { NotFoundError, ValidationFailedError } from "../../lib/errors";
import { renderMarkdown } from "../../lib/markdown";
import { studentBatchRule } from "../../lib/timezones";
import { DbMixin, type PersonActor } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { isCalendarDate } from "../analytics/practice-days";
import type { PersonProfile } from "../auth.service";
import { PRACTICE_FOCUSES, type PracticeFocus } from "../practice/sessions.service";
import type { Tag as TagSummary } from "../../contracts/practice";
import { StudentRelationsMixin, type StudentEntity } from "./student-relations.mixin";
import { endOfLocalDay } from "./weeks";

interface AssignmentRow {
	id: string;
	teacherId: string;
	studentId: string;
	title: string;
	notesMd: string;
	notesHtml: string;
	focus: PracticeFocus | null;
	tagIds: string[];
	targetTempoBpm: number | null;
	dueDate: string;
	doneAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

/** A teacher's open assignments of one student, for the roster. */
export interface OpenAssignments {
	open: number;
	overdue: Array<{ id: string; title: string; dueDate: string; dueAt: string }>;
}

type AssignmentContext<P = Record<string, never>> = Context<P, EtudeMeta>;

function defineModels(sequelize: Sequelize) {
	const Assignment = sequelize.define(
		"Assignment",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			teacherId: { type: DataTypes.UUID, allowNull: false },
			studentId: { type: DataTypes.UUID, allowNull: false },
			title: { type: DataTypes.TEXT, allowNull: false },
			notesMd: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
			notesHtml: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
			focus: { type: DataTypes.ENUM(...PRACTICE_FOCUSES) },
			tagIds: { type: DataTypes.ARRAY(DataTypes.UUID), allowNull: false, defaultValue: [] },
			targetTempoBpm: { type: DataTypes.SMALLINT },
			dueDate: { type: DataTypes.DATEONLY, allowNull: false },
			doneAt: { type: DataTypes.DATE }
		},
		{ tableName: "assignments" }
	);
	const AssignmentSession = sequelize.define(
		"AssignmentSession",
		{
			assignmentId: { type: DataTypes.UUID, primaryKey: true },
			sessionId: { type: DataTypes.UUID, primaryKey: true },
			studentId: { type: DataTypes.UUID, allowNull: false },
			linkedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW }
		},
		{ tableName: "assignment_sessions", timestamps: false }
	);
	return { primary: Assignment, AssignmentSession };
}

type AssignmentModels = ReturnType<typeof defineModels>;

const dueDateParam = { type: "string", pattern: /^\d{4}-\d{2}-\d{2}$/, messages: { stringPattern: "The '{field}' field must be a date like 2026-12-04." } };
const assignmentFieldParams = {
	title: { type: "string", trim: true, min: 1, max: 200 },
	notes: { type: "string", trim: true, max: 4000, optional: true, nullable: true },
	focus: { type: "enum", values: PRACTICE_FOCUSES, optional: true, nullable: true },
	tagIds: { type: "array", items: "uuid", unique: true, max: 20, optional: true },
	targetTempoBpm: { type: "number", integer: true, min: 20, max: 400, optional: true, nullable: true },
	dueDate: dueDateParam
};

function checkDueDate(dueDate: string | undefined): void {
	if (dueDate !== undefined && !isCalendarDate(dueDate)) {
		throw new ValidationFailedError("The due date is not a date", [{ field: "dueDate", message: "must be a calendar date (YYYY-MM-DD)" }]);
	}
}

function notesColumns(notes: string | null | undefined): Partial<Pick<AssignmentRow, "notesMd" | "notesHtml">> {
	if (notes === undefined) return {};
	const text = notes ?? "";
	return { notesMd: text, notesHtml: text ? renderMarkdown(text, "light") : "" };
}

/** Open before done; open ones by due date, done ones newest first. */
function byStatusThenDate(a: AssignmentRow, b: AssignmentRow): number {
	if (!a.doneAt !== !b.doneAt) return a.doneAt ? 1 : -1;
	if (!a.doneAt) return a.dueDate.localeCompare(b.dueDate) || a.createdAt.getTime() - b.createdAt.getTime();
	return b.doneAt!.getTime() - a.doneAt.getTime();
}

/**
 * Assignments a teacher gives a student: what to practise (title, notes in light markdown, focus,
 * tags, a target tempo) by when. A due date is a calendar day of the student and ends at 23:59:59
 * in their zone. The student marks it done and links the sessions they practised it in.
 */
export default function assignmentsService(): ServiceSchema {
	return {
		name: "assignments",
		mixins: [DbMixin(defineModels), StudentRelationsMixin(), PersonalDataMixin(), Outbox()],
		settings: { rest: "/" },

		actions: {
			create: {
				rest: "POST /assignments",
				permissions: ["teacher"],
				openapi: { summary: "Give a linked student an assignment, due at the end of a day in their time zone" },
				params: { $$strict: true, studentId: { type: "uuid" }, ...assignmentFieldParams },
				async handler(ctx: AssignmentContext<AssignmentFields & { studentId: string }>): Promise<AssignmentView> {
					const { studentId, notes, tagIds = [], ...fields } = ctx.params;
					checkDueDate(fields.dueDate);
					const actor: PersonActor = await this.requireReadableStudent(ctx, studentId);
					if (tagIds.length > 0) await ctx.call("tags.usableBy", { studentId, tagIds });
					const { primary: Assignment } = this.models as AssignmentModels;
					// The due instant is the end of the due day where the student lives; asked before the transaction.
					const [student] = (await ctx.call("auth.profilesOf", { userIds: [studentId] })) as PersonProfile[];
					const dueAt = endOfLocalDay(fields.dueDate, student?.timezone ?? "UTC");
					const { created, recorded } = await this.transactionAs(actor, async (transaction: Transaction) => {
						const row = (await Assignment.create({ ...fields, ...notesColumns(notes), tagIds, teacherId: actor.userId, studentId }, { transaction })).get({ plain: true }) as AssignmentRow;
						const announced = await this.recordEvent(transaction, actor, "assignments.created", { assignmentId: row.id, teacherId: actor.userId, studentId, title: row.title, dueAt });
						return { created: row, recorded: announced };
					});
					await this.sendRecorded([recorded]);
					const [view] = await this.views(ctx, [created]);
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/assignments/${view!.id}`;
					return view!;
				}
			},

			list: {
				rest: "GET /assignments",
				permissions: ["student", "teacher"],
				openapi: { summary: "A student's assignments (teachers: those they gave a linked student), open first" },
				params: {
					$$strict: true,
					studentId: { type: "uuid", optional: true },
					status: { type: "enum", values: ["open", "done", "all"], default: "all" }
				},
				async handler(ctx: AssignmentContext<{ studentId?: string; status: AssignmentStatus }>): Promise<AssignmentView[]> {
					const studentId = ctx.params.studentId ?? ctx.meta.user!.id;
					const actor: PersonActor = await this.requireReadableStudent(ctx, studentId);
					const status = ctx.params.status;
					const where: WhereOptions = { studentId, ...(status === "all" ? {} : { doneAt: status === "open" ? null : { [Op.ne]: null } }) };
					// Row-level security shows a teacher only the assignments they gave.
					const rows = await this.findRows(actor, where);
					return this.views(ctx, rows.sort(byStatusThenDate));
				}
			},

			get: {
				rest: "GET /assignments/:id",
				permissions: ["student", "teacher"],
				needEntity: true,
				openapi: { summary: "One assignment (its student, or the teacher who gave it)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: AssignmentContext<{ id: string }>): Promise<AssignmentView> {
					return this.viewOfEntity(ctx);
				}
			},

			update: {
				rest: "PATCH /assignments/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Change an assignment you gave" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					...Object.fromEntries(Object.entries(assignmentFieldParams).map(([name, rule]) => [name, { ...rule, optional: true }]))
				},
				async handler(ctx: AssignmentContext<Partial<AssignmentFields> & { id: string }>): Promise<AssignmentView> {
					const { assignment } = ctx.locals.entity as AssignmentEntity;
					const { id, notes, ...fields } = ctx.params;
					checkDueDate(fields.dueDate);
					if (fields.tagIds?.length) await ctx.call("tags.usableBy", { studentId: assignment.studentId, tagIds: fields.tagIds });
					await this.changeAssignment(ctx, id, { ...fields, ...notesColumns(notes) });
					return this.viewOfEntity(ctx);
				}
			},

			remove: {
				rest: "DELETE /assignments/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Withdraw an assignment you gave" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: AssignmentContext<{ id: string }>): Promise<void> {
					const { primary: Assignment } = this.models as AssignmentModels;
					await this.transactionAs(ctx.locals.actor, (transaction: Transaction) => Assignment.destroy({ where: { id: ctx.params.id }, transaction }));
					ctx.meta.$statusCode = 204;
				}
			},

			markDone: {
				rest: "PUT /assignments/:id/done",
				permissions: ["student"],
				needEntity: true,
				openapi: { summary: "Mark your assignment done" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: AssignmentContext<{ id: string }>): Promise<AssignmentView> {
					const { assignment } = ctx.locals.entity as AssignmentEntity;
					if (!assignment.doneAt) await this.changeAssignment(ctx, ctx.params.id, { doneAt: new Date() });
					return this.viewOfEntity(ctx);
				}
			},

			reopen: {
				rest: "DELETE /assignments/:id/done",
				permissions: ["student"],
				needEntity: true,
				openapi: { summary: "Open your assignment again" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: AssignmentContext<{ id: string }>): Promise<AssignmentView> {
					await this.changeAssignment(ctx, ctx.params.id, { doneAt: null });
					return this.viewOfEntity(ctx);
				}
			},

			linkSession: {
				rest: "PUT /assignments/:id/sessions/:sessionId",
				permissions: ["student"],
				needEntity: true,
				openapi: { summary: "Link one of your practice sessions to your assignment" },
				params: { $$strict: true, id: { type: "uuid" }, sessionId: { type: "uuid" } },
				async handler(ctx: AssignmentContext<{ id: string; sessionId: string }>): Promise<AssignmentView> {
					// The practice service answers its own 404 for a session that is not the caller's.
					const session: { id: string; studentId: string } = await ctx.call("sessions.get", { id: ctx.params.sessionId }, { meta: ctx.meta });
					if (session.studentId !== ctx.meta.user!.id) throw new NotFoundError("Practice session", "ERR_SESSION_NOT_FOUND");
					const { AssignmentSession } = this.models as AssignmentModels;
					await this.transactionAs(ctx.locals.actor, (transaction: Transaction) =>
						AssignmentSession.findOrCreate({
							where: { assignmentId: ctx.params.id, sessionId: session.id },
							defaults: { assignmentId: ctx.params.id, sessionId: session.id, studentId: session.studentId },
							transaction
						})
					);
					return this.viewOfEntity(ctx);
				}
			},

			unlinkSession: {
				rest: "DELETE /assignments/:id/sessions/:sessionId",
				permissions: ["student"],
				needEntity: true,
				openapi: { summary: "Unlink a practice session from your assignment" },
				params: { $$strict: true, id: { type: "uuid" }, sessionId: { type: "uuid" } },
				async handler(ctx: AssignmentContext<{ id: string; sessionId: string }>): Promise<AssignmentView> {
					const { AssignmentSession } = this.models as AssignmentModels;
					await this.transactionAs(ctx.locals.actor, (transaction: Transaction) =>
						AssignmentSession.destroy({ where: { assignmentId: ctx.params.id, sessionId: ctx.params.sessionId }, transaction })
					);
					return this.viewOfEntity(ctx);
				}
			},

			/** A teacher's open assignments per student, with those past due in each student's zone (the roster). */
			openOfTeacher: {
				visibility: "public",
				idempotent: true,
				params: {
					teacherId: "uuid",
					students: studentBatchRule({})
				},
				async handler(ctx: Context<{ teacherId: string; students: Array<{ studentId: string; timezone: string }> }>): Promise<Record<string, OpenAssignments>> {
					const { teacherId, students } = ctx.params;
					if (students.length === 0) return {};
					const { primary: Assignment } = this.models as AssignmentModels;
					// The caller decided these students are the teacher's.
					const rows: Array<Pick<AssignmentRow, "id" | "studentId" | "title" | "dueDate">> = await this.findAllAs(this.systemActor(), Assignment, {
						where: { teacherId, studentId: { [Op.in]: students.map((student) => student.studentId) }, doneAt: null },
						attributes: ["id", "studentId", "title", "dueDate"],
						order: [["dueDate", "ASC"]]
					});
					const zones = new Map(students.map((student) => [student.studentId, student.timezone]));
					const result: Record<string, OpenAssignments> = Object.fromEntries(students.map((student) => [student.studentId, { open: 0, overdue: [] }]));
					const now = Date.now();
					for (const row of rows) {
						const entry = result[row.studentId]!;
						entry.open++;
						const dueAt = endOfLocalDay(row.dueDate, zones.get(row.studentId)!);
						if (Date.parse(dueAt) < now) entry.overdue.push({ id: row.id, title: row.title, dueDate: row.dueDate, dueAt });
					}
					return result;
				}
			}
		},

		channels: {
			/** A deleted session no longer counts towards any assignment. */
			"sessions.deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"sessions.deleted">>) {
					const { AssignmentSession } = this.models as AssignmentModels;
					await this.asSystem((transaction: Transaction) => AssignmentSession.destroy({ where: { sessionId: ctx.params.sessionId }, transaction }));
				}
			}
		},

		methods: {
			async findEntity(ctx: AssignmentContext<{ id: string }>): Promise<AssignmentEntity> {
				const actor: PersonActor = await this.actorForEntity(ctx);
				// Row-level security: its student, or the teacher who gave it while still linked.
				const [assignment] = await this.findRows(actor, { id: ctx.params.id });
				if (!assignment) throw new NotFoundError("Assignment", "ERR_ASSIGNMENT_NOT_FOUND");
				return { assignment, ownerId: assignment.teacherId, studentId: assignment.studentId };
			},

			async findRows(actor: PersonActor, where: WhereOptions): Promise<AssignmentRow[]> {
				const { primary: Assignment } = this.models as AssignmentModels;
				return (await this.transactionAs(actor, (transaction: Transaction) => Assignment.findAll({ where, raw: true, transaction }))) as unknown as AssignmentRow[];
			},

			async changeAssignment(ctx: AssignmentContext, id: string, changes: Partial<AssignmentRow>): Promise<void> {
				const { primary: Assignment } = this.models as AssignmentModels;
				await this.transactionAs(ctx.locals.actor, (transaction: Transaction) => Assignment.update(changes, { where: { id }, transaction }));
			},

			async viewOfEntity(ctx: AssignmentContext<{ id: string }>): Promise<AssignmentView> {
				const [row] = await this.findRows(ctx.locals.actor, { id: ctx.params.id });
				const [view] = await this.views(ctx, [row!]);
				return view!;
			},

			/** Views with the teacher's name, due instants in the student's zone, tags and linked sessions. */
			async views(ctx: AssignmentContext, rows: AssignmentRow[]): Promise<AssignmentView[]> {
				if (rows.length === 0) return [];
				const tagIds = [...new Set(rows.flatMap((row) => row.tagIds))];
				const { AssignmentSession } = this.models as AssignmentModels;
				const [people, tags, links] = await Promise.all([
					ctx.call("auth.profilesOf", { userIds: rows.flatMap((row) => [row.teacherId, row.studentId]) }) as Promise<PersonProfile[]>,
					(tagIds.length > 0 ? ctx.call("tags.summaries", { ids: tagIds }) : Promise.resolve([])) as Promise<TagSummary[]>,
					this.transactionAs(ctx.locals.actor ?? this.ownActor(ctx), (transaction: Transaction) =>
						AssignmentSession.findAll({ where: { assignmentId: { [Op.in]: rows.map((row) => row.id) } }, order: [["linkedAt", "DESC"]], raw: true, transaction })
					) as Promise<Array<{ assignmentId: string; sessionId: string }>>
				]);
				const peopleById = new Map(people.map((person) => [person.id, person]));
				const tagsById = new Map(tags.map((tag) => [tag.id, tag]));
				const now = Date.now();
				return rows.map((row) => {
					const dueAt = endOfLocalDay(row.dueDate, peopleById.get(row.studentId)?.timezone ?? "UTC");
					return {
						id: row.id,
						teacherId: row.teacherId,
						teacherName: peopleById.get(row.teacherId)?.name ?? "Former teacher",
						studentId: row.studentId,
						title: row.title,
						notes: row.notesMd,
						notesHtml: row.notesHtml,
						focus: row.focus,
						tags: row.tagIds.flatMap((id) => tagsById.get(id) ?? []),
						targetTempoBpm: row.targetTempoBpm,
						dueDate: row.dueDate,
						dueAt,
						overdue: !row.doneAt && Date.parse(dueAt) < now,
						doneAt: row.doneAt ? new Date(row.doneAt).toISOString() : null,
						sessionIds: links.filter((link) => link.assignmentId === row.id).map((link) => link.sessionId),
						createdAt: new Date(row.createdAt).toISOString(),
						updatedAt: new Date(row.updatedAt).toISOString()
					};
				});
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { primary: Assignment, AssignmentSession } = this.models as AssignmentModels;
				const [assignments, links] = await this.asSystem(async (transaction: Transaction) => [
					await Assignment.findAll({ where: { [Op.or]: [{ teacherId: userId }, { studentId: userId }] }, raw: true, transaction }),
					await AssignmentSession.findAll({ where: { studentId: userId }, raw: true, transaction })
				]);
				return { tables: { assignments: assignments as object[], assignment_sessions: links as object[] } };
			},

			/** Assignments they gave or were given (their session links go with them), and their own links. */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				const { primary: Assignment, AssignmentSession } = this.models as AssignmentModels;
				await this.asSystem(async (transaction: Transaction) => {
					await AssignmentSession.destroy({ where: { studentId: userId }, transaction });
					await Assignment.destroy({ where: { [Op.or]: [{ teacherId: userId }, { studentId: userId }] }, transaction });
				});
			}
		}
	};
}

type AssignmentEntity = StudentEntity & { assignment: AssignmentRow };
