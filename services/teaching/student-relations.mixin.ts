import type { Context, ServiceSchema } from "moleculer";
import type { EtudeMeta } from "../../lib/actor";
import { NotFoundError } from "../../lib/errors";
import type { PersonActor } from "../../mixins/db.mixin";

/** What the teaching services load for a relation check: whose it is, and which student it is about. */
export interface StudentEntity {
	/** `$owner`: the author of a note, the teacher of a goal, the student of a recording. */
	ownerId: string;
	/** The student it is about; their linked teachers pass `$linkedTeacher`. */
	studentId: string;
}

type TeachingContext = Context<unknown, EtudeMeta>;

/**
 * The relation checks of the teaching services, on the entity `findEntity` put in `ctx.locals`
 * and the actor it used (`ctx.locals.actor`, from `actorOf`): `$owner` is the entity's owner,
 * `$linkedTeacher` a teacher linked to the student it is about. Mixed in after DbMixin.
 */
export function StudentRelationsMixin(): Partial<ServiceSchema> {
	return {
		methods: {
			isEntityOwner(ctx: TeachingContext): boolean {
				return (ctx.locals.entity as StudentEntity).ownerId === ctx.meta.user!.id;
			},

			isLinkedTeacher(ctx: TeachingContext): boolean {
				const actor = ctx.locals.actor as PersonActor;
				return ctx.meta.user!.role === "teacher" && actor.readableStudentIds.includes((ctx.locals.entity as StudentEntity).studentId);
			},

			/** The caller with what they may read, kept for the relation checks. */
			async actorForEntity(ctx: TeachingContext): Promise<PersonActor> {
				const actor: PersonActor = await this.actorOf(ctx);
				ctx.locals.actor = actor;
				return actor;
			},

			/** A student asking about themself, or a teacher about a linked student; anyone else is told the student does not exist. */
			async requireReadableStudent(ctx: TeachingContext, studentId: string): Promise<PersonActor> {
				const actor: PersonActor = await this.actorForEntity(ctx);
				const readable = ctx.meta.user!.role === "student" ? studentId === actor.userId : actor.readableStudentIds.includes(studentId);
				if (!readable) throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");
				return actor;
			}
		}
	};
}

export function canRead(actor: PersonActor, studentId: string): boolean {
	return studentId === actor.userId || actor.readableStudentIds.includes(studentId);
}
