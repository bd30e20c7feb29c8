import type { Context, ServiceSchema } from "moleculer";
import { DataTypes, Op, QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { ConflictError, NotFoundError, ValidationFailedError } from "../../lib/errors";
import { DbMixin, type DatabaseActor } from "../../mixins/db.mixin";

export interface TagSummary {
	id: string;
	name: string;
	color: string;
}

interface TagRow extends TagSummary {
	ownerId: string;
	ownerRole: "student" | "teacher";
}

type TagContext<P = Record<string, never>> = Context<P, EtudeMeta>;

function defineModels(sequelize: Sequelize) {
	const Tag = sequelize.define(
		"Tag",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			ownerId: { type: DataTypes.UUID, allowNull: false },
			ownerRole: { type: DataTypes.ENUM("student", "teacher", "admin"), allowNull: false },
			name: { type: DataTypes.TEXT, allowNull: false },
			color: { type: DataTypes.TEXT, allowNull: false }
		},
		{ tableName: "tags" }
	);
	return { primary: Tag };
}

const TAG_FIELDS = `id, owner_id AS "ownerId", owner_role AS "ownerRole", name, color`;
const colorParam = { type: "string", pattern: /^#[0-9a-fA-F]{6}$/, messages: { stringPattern: "The '{field}' field must be a colour like #3366ff." } };
const nameParam = { type: "string", trim: true, min: 1, max: 40 };

function summary(row: TagRow): TagSummary {
	return { id: row.id, name: row.name, color: row.color.toLowerCase() };
}

/**
 * Tags label practice sessions: a teacher designs a set for their students, a student may
 * add personal ones. A student sees their own tags and those of every linked teacher.
 */
export default function tagsService(): ServiceSchema {
	return {
		name: "tags",
		mixins: [DbMixin(defineModels)],
		settings: { rest: "/" },

		actions: {
			list: {
				rest: "GET /tags",
				permissions: ["student", "teacher"],
				openapi: { summary: "Tags this user can use: their own and their teachers'" },
				async handler(ctx: TagContext): Promise<Array<TagSummary & { ownedByMe: boolean }>> {
					const userId = ctx.meta.user!.id;
					const owners = [userId, ...(await this.usableTagOwners(ctx))];
					const rows = await this.sequelize.query(
						`SELECT ${TAG_FIELDS} FROM tags WHERE owner_id = ANY(:owners::uuid[]) ORDER BY lower(name)`,
						{ replacements: { owners: `{${owners.join(",")}}` }, type: QueryTypes.SELECT }
					);
					return (rows as TagRow[]).map((row) => ({ ...summary(row), ownedByMe: row.ownerId === userId }));
				}
			},

			create: {
				rest: "POST /tags",
				permissions: ["student", "teacher"],
				openapi: { summary: "Design a tag" },
				params: { $$strict: true, name: nameParam, color: colorParam },
				async handler(ctx: TagContext<{ name: string; color: string }>): Promise<TagSummary> {
					const user = ctx.meta.user!;
					const [created] = await this.asOwner(ctx, (transaction: Transaction) =>
						this.sequelize.query(
							`INSERT INTO tags (owner_id, owner_role, name, color) VALUES (:ownerId, :ownerRole, :name, :color)
							 ON CONFLICT (owner_id, lower(name)) DO NOTHING RETURNING ${TAG_FIELDS}`,
							{
								replacements: { ownerId: user.id, ownerRole: user.role, name: ctx.params.name, color: ctx.params.color.toLowerCase() },
								type: QueryTypes.SELECT,
								transaction
							}
						)
					);
					if (!created) throw new ConflictError("You already have a tag with this name", "ERR_TAG_NAME_TAKEN");
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/tags/${(created as TagRow).id}`;
					return summary(created as TagRow);
				}
			},

			update: {
				rest: "PATCH /tags/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Rename or recolour a tag" },
				params: { $$strict: true, id: { type: "uuid" }, name: { ...nameParam, optional: true }, color: { ...colorParam, optional: true } },
				async handler(ctx: TagContext<{ id: string; name?: string; color?: string }>): Promise<TagSummary> {
					const { id, ...changes } = ctx.params;
					if (changes.color) changes.color = changes.color.toLowerCase();
					await this.asOwner(ctx, (transaction: Transaction) => this.models.primary.update(changes, { where: { id }, transaction }));
					return summary({ ...(ctx.locals.entity as TagRow), ...changes });
				}
			},

			remove: {
				rest: "DELETE /tags/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Delete a tag (it disappears from every session)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: TagContext<{ id: string }>): Promise<void> {
					await this.asOwner(ctx, (transaction: Transaction) => this.models.primary.destroy({ where: { id: ctx.params.id }, transaction }));
					ctx.meta.$statusCode = 204;
				}
			},

			/** The given tags, if all of them may be put on this student's sessions. */
			usableBy: {
				visibility: "public",
				params: { studentId: { type: "uuid" }, tagIds: { type: "array", items: "uuid", max: 50 } },
				async handler(ctx: Context<{ studentId: string; tagIds: string[] }>): Promise<TagSummary[]> {
					const { studentId, tagIds } = ctx.params;
					if (tagIds.length === 0) return [];
					const teacherIds: string[] = await ctx.call("auth.linkedTeacherIds", { studentId });
					const rows = (await this.models.primary.findAll({
						where: { id: { [Op.in]: tagIds }, ownerId: { [Op.in]: [studentId, ...teacherIds] } },
						raw: true
					})) as unknown as TagRow[];
					const found = new Set(rows.map((row) => row.id));
					const missing = tagIds.filter((id) => !found.has(id));
					if (missing.length > 0) {
						throw new ValidationFailedError("Some tags do not exist or are not yours to use", [
							{ field: "tagIds", message: `Unknown tags: ${missing.join(", ")}` }
						]);
					}
					return rows.map(summary);
				}
			},

			summaries: {
				visibility: "public",
				params: { ids: { type: "array", items: "uuid" } },
				async handler(ctx: Context<{ ids: string[] }>): Promise<TagSummary[]> {
					if (ctx.params.ids.length === 0) return [];
					const rows = (await this.models.primary.findAll({ where: { id: { [Op.in]: ctx.params.ids } }, raw: true })) as unknown as TagRow[];
					return rows.map(summary);
				}
			}
		},

		methods: {
			async findEntity(ctx: TagContext<{ id: string }>): Promise<TagRow> {
				const row = (await this.models.primary.findByPk(ctx.params.id, { raw: true })) as TagRow | null;
				if (!row) throw new NotFoundError("Tag", "ERR_TAG_NOT_FOUND");
				return row;
			},

			isEntityOwner(ctx: TagContext): boolean {
				return (ctx.locals.entity as TagRow).ownerId === ctx.meta.user!.id;
			},

			async usableTagOwners(ctx: TagContext): Promise<string[]> {
				const user = ctx.meta.user!;
				return user.role === "student" ? ctx.call("auth.linkedTeacherIds", { studentId: user.id }) : [];
			},

			async asOwner<T>(ctx: TagContext, work: (transaction: Transaction) => Promise<T>): Promise<T> {
				const actor: DatabaseActor = { userId: ctx.meta.user!.id, readableStudentIds: [] };
				try {
					return await this.transactionAs(actor, work);
				} catch (error) {
					if (error instanceof UniqueConstraintError) {
						throw new ConflictError("You already have a tag with this name", "ERR_TAG_NAME_TAKEN");
					}
					throw error;
				}
			}
		}
	};
}
