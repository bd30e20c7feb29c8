import type { Context, ServiceSchema } from "moleculer";
import { DataTypes, QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { ConflictError, NotFoundError, ValidationFailedError } from "../../lib/errors";
import { sqlArray } from "../../lib/db/sql-arrays";
import { DbMixin } from "../../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { PRACTICE_FOCUSES, type PracticeFocus, type Tag as TagSummary, type TagSuggestion } from "../../contracts/practice";

interface TagRow extends TagSummary {
	ownerId: string;
	ownerRole: "student" | "teacher";
}

type TagContext<P = Record<string, never>> = Context<P, EtudeMeta>;

/**
 * Suggestions in one statement: the tags the caller may use, matched accent- and case-insensitively
 * (etude_unaccent, the same IMMUTABLE wrapper as the trigram index) by the prefix of any word or by
 * word similarity (a typo still finds its tag), ranked teacher's tags first, then the caller's own use
 * (session_tags shows the caller only their own sessions), then match quality. Without a query, every
 * usable tag by the same ranking.
 */
const SUGGEST_MIN_WORD_SIMILARITY = 0.4;

function suggestionQuery(matching: boolean): string {
	const folded = "etude_unaccent(lower(t.name))";
	const query = "etude_unaccent(lower(:query))";
	const match = matching
		? `CASE WHEN ${folded} LIKE ${query} || '%' THEN 2 WHEN ${folded} LIKE '% ' || ${query} || '%' THEN 1.5 ELSE word_similarity(${query}, ${folded}) END`
		: "0";
	// word_similarity("spicatto", "spiccato") is 0.5, under pg_trgm's default threshold of 0.6 for <%.
	return `SET LOCAL pg_trgm.word_similarity_threshold = ${SUGGEST_MIN_WORD_SIMILARITY};
		SELECT ${TAG_FIELDS.split(", ").map((field) => `t.${field}`).join(", ")}, coalesce(u.uses, 0)::int AS uses
		FROM tags t
		LEFT JOIN (SELECT st.tag_id, count(*) AS uses FROM session_tags st GROUP BY st.tag_id) u ON u.tag_id = t.id
		CROSS JOIN LATERAL (SELECT ${match} AS quality) m
		WHERE t.owner_id = ANY(:owners::uuid[])
		  AND (:focus::practice_focus IS NULL OR t.focus IS NULL OR t.focus = :focus::practice_focus)
		  ${matching ? `AND (m.quality >= 1 OR ${query} <% ${folded})` : ""}
		ORDER BY (t.owner_id = ANY(:teachers::uuid[])) DESC, coalesce(u.uses, 0) DESC, m.quality DESC, lower(t.name), t.id
		LIMIT :limit`;
}

function defineModels(sequelize: Sequelize) {
	const Tag = sequelize.define(
		"Tag",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			ownerId: { type: DataTypes.UUID, allowNull: false },
			ownerRole: { type: DataTypes.ENUM("student", "teacher", "admin"), allowNull: false },
			name: { type: DataTypes.TEXT, allowNull: false },
			color: { type: DataTypes.TEXT, allowNull: false },
			focus: { type: DataTypes.ENUM(...PRACTICE_FOCUSES) }
		},
		{ tableName: "tags" }
	);
	return { primary: Tag };
}

const TAG_FIELDS = `id, owner_id AS "ownerId", owner_role AS "ownerRole", name, color, focus`;
const colorParam = { type: "string", pattern: /^#[0-9a-fA-F]{6}$/, messages: { stringPattern: "The '{field}' field must be a colour like #3366ff." } };
const nameParam = { type: "string", trim: true, min: 1, max: 40 };
const focusParam = { type: "enum", values: PRACTICE_FOCUSES, optional: true, nullable: true };

/**
 * Every session read names its tags, and a tag changes rarely: summaries are cached (the broker's
 * cacher: in memory, or Redis when configured), cleared on every node whenever a tag is renamed,
 * recoloured or deleted; the TTL bounds a clean missed during a reconnect.
 */
const SUMMARY_CACHE_TTL_SECONDS = 600;
const SUMMARIES_ACTION = "tags.summaries";

function summary(row: TagRow): TagSummary {
	return { id: row.id, name: row.name, color: row.color.toLowerCase(), focus: row.focus ?? null };
}

/**
 * Tags label practice sessions: a teacher designs a set for their students, a student may
 * add personal ones. A student sees their own tags and those of every linked teacher.
 */
export default function tagsService(): ServiceSchema {
	return {
		name: "tags",
		mixins: [DbMixin(defineModels), PersonalDataMixin()],
		settings: { rest: "/" },

		actions: {
			list: {
				rest: "GET /tags",
				permissions: ["student", "teacher"],
				openapi: { summary: "Tags this user can use: their own and their teachers'" },
				async handler(ctx: TagContext): Promise<Array<TagSummary & { ownedByMe: boolean }>> {
					const userId = ctx.meta.user!.id;
					const owners = [userId, ...(await this.usableTagOwners(ctx))];
					const rows = await this.queryAs(this.ownActor(ctx), `SELECT ${TAG_FIELDS} FROM tags WHERE owner_id = ANY(:owners::uuid[]) ORDER BY lower(name)`, {
						owners: `{${owners.join(",")}}`
					});
					return (rows as TagRow[]).map((row) => ({ ...summary(row), ownedByMe: row.ownerId === userId }));
				}
			},

			create: {
				rest: "POST /tags",
				permissions: ["student", "teacher"],
				openapi: { summary: "Design a tag" },
				params: { $$strict: true, name: nameParam, color: colorParam, focus: focusParam },
				async handler(ctx: TagContext<{ name: string; color: string; focus?: PracticeFocus | null }>): Promise<TagSummary> {
					const user = ctx.meta.user!;
					const [created] = await this.asOwner(ctx, (transaction: Transaction) =>
						this.sequelize.query(
							`INSERT INTO tags (owner_id, owner_role, name, color, focus) VALUES (:ownerId, :ownerRole, :name, :color, :focus)
							 ON CONFLICT (owner_id, lower(name)) DO NOTHING RETURNING ${TAG_FIELDS}`,
							{
								replacements: { ownerId: user.id, ownerRole: user.role, name: ctx.params.name, color: ctx.params.color.toLowerCase(), focus: ctx.params.focus ?? null },
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
				openapi: { summary: "Rename or recolour a tag, or change its focus" },
				params: { $$strict: true, id: { type: "uuid" }, name: { ...nameParam, optional: true }, color: { ...colorParam, optional: true }, focus: focusParam },
				async handler(ctx: TagContext<{ id: string; name?: string; color?: string; focus?: PracticeFocus | null }>): Promise<TagSummary> {
					const { id, ...changes } = ctx.params;
					if (changes.color) changes.color = changes.color.toLowerCase();
					await this.asOwner(ctx, (transaction: Transaction) => this.models.primary.update(changes, { where: { id }, transaction }));
					await this.tagsChanged(ctx);
					return summary({ ...(ctx.locals.entity as TagRow), ...changes });
				}
			},

			remove: {
				rest: "DELETE /tags/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Delete a tag (it disappears from every session; the sessions stay)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: TagContext<{ id: string }>): Promise<void> {
					await this.asOwner(ctx, (transaction: Transaction) => this.models.primary.destroy({ where: { id: ctx.params.id }, transaction }));
					await this.tagsChanged(ctx);
					ctx.meta.$statusCode = 204;
				}
			},

			suggest: {
				rest: "GET /tags/suggest",
				permissions: ["student", "teacher"],
				openapi: {
					summary: "Tags for the log form as you type: yours and your teachers', matched without regard to accents or case, by word prefix or similarity",
					description: "Ranked: your teachers' tags, then the ones you use most, then how well they match. With `focus`, tags of that focus or of none."
				},
				params: {
					$$strict: true,
					q: { type: "string", trim: true, max: 40, default: "" },
					focus: { type: "enum", values: PRACTICE_FOCUSES, optional: true },
					limit: { type: "number", integer: true, convert: true, min: 1, max: 50, default: 10 }
				},
				async handler(ctx: TagContext<{ q: string; focus?: PracticeFocus; limit: number }>): Promise<TagSuggestion[]> {
					const userId = ctx.meta.user!.id;
					const teacherIds = await this.usableTagOwners(ctx);
					const rows: Array<TagRow & { uses: number }> = await this.queryAs(this.ownActor(ctx), suggestionQuery(ctx.params.q !== ""), {
						owners: sqlArray([userId, ...teacherIds]),
						teachers: sqlArray(teacherIds),
						query: ctx.params.q,
						focus: ctx.params.focus ?? null,
						limit: ctx.params.limit
					});
					return rows.map((row) => ({ ...summary(row), source: row.ownerId === userId ? "own" : "teacher", uses: row.uses }));
				}
			},

			/**
			 * The given tags, if all of them may be put on this student's sessions. Tags sent in a body are
			 * fields to correct (422); a tag named in the path (`asEntity`) is an entity, and someone else's
			 * answers the same 404 as one that does not exist.
			 */
			usableBy: {
				visibility: "public",
				idempotent: true,
				params: { studentId: { type: "uuid" }, tagIds: { type: "array", items: "uuid", max: 50 }, asEntity: { type: "boolean", default: false } },
				async handler(ctx: Context<{ studentId: string; tagIds: string[]; asEntity: boolean }>): Promise<TagSummary[]> {
					const { studentId, tagIds } = ctx.params;
					if (tagIds.length === 0) return [];
					const teacherIds: string[] = await ctx.call("auth.linkedTeacherIds", { studentId });
					const rows: TagRow[] = await this.queryAsSystem(`SELECT ${TAG_FIELDS} FROM tags WHERE id = ANY(:ids::uuid[]) AND owner_id = ANY(:owners::uuid[])`, {
						ids: sqlArray(tagIds),
						owners: sqlArray([studentId, ...teacherIds])
					});
					const found = new Set(rows.map((row) => row.id));
					const missing = tagIds.filter((id) => !found.has(id));
					if (missing.length > 0 && ctx.params.asEntity) throw new NotFoundError("Tag", "ERR_TAG_NOT_FOUND");
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
				idempotent: true,
				cache: { keys: ["ids"], ttl: SUMMARY_CACHE_TTL_SECONDS },
				params: { ids: { type: "array", items: "uuid" } },
				async handler(ctx: Context<{ ids: string[] }>): Promise<TagSummary[]> {
					if (ctx.params.ids.length === 0) return [];
					// The caller (the sessions service) decided who may see the sessions these tags are on.
					const rows: TagRow[] = await this.queryAsSystem(`SELECT ${TAG_FIELDS} FROM tags WHERE id = ANY(:ids::uuid[])`, { ids: sqlArray(ctx.params.ids) });
					return rows.map(summary);
				}
			}
		},

		events: {
			async "tags.changed"() {
				await this.forgetSummaries();
			}
		},

		methods: {
			/** Clears this node's cached summaries before the caller is answered, and tells every other tags node to. */
			async tagsChanged(ctx: TagContext): Promise<void> {
				await this.forgetSummaries();
				await ctx.broadcast("tags.changed", {});
			},

			async forgetSummaries(): Promise<void> {
				await this.broker.cacher?.clean(`${SUMMARIES_ACTION}:**`);
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const tags = await this.asSystem((transaction: Transaction) => this.models.primary.findAll({ where: { ownerId: userId }, raw: true, transaction }));
				return { tables: { tags } };
			},

			/** The user's tags, and with them (ON DELETE CASCADE) wherever they were put on a session, a teacher's on their students' too. */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				await this.asSystem((transaction: Transaction) => this.models.primary.destroy({ where: { ownerId: userId }, transaction }));
				await this.forgetSummaries();
				await this.broker.broadcast("tags.changed", {});
			},

			/** Every tag action is its owner's: anyone else's tag is not found, like every other entity. */
			async findEntity(ctx: TagContext<{ id: string }>): Promise<TagRow> {
				const [row] = await this.queryAs(this.ownActor(ctx), `SELECT ${TAG_FIELDS} FROM tags WHERE id = :id AND owner_id = :ownerId`, {
					id: ctx.params.id,
					ownerId: ctx.meta.user!.id
				});
				if (!row) throw new NotFoundError("Tag", "ERR_TAG_NOT_FOUND");
				return row as TagRow;
			},

			isEntityOwner(ctx: TagContext): boolean {
				return (ctx.locals.entity as TagRow).ownerId === ctx.meta.user!.id;
			},

			async usableTagOwners(ctx: TagContext): Promise<string[]> {
				const user = ctx.meta.user!;
				return user.role === "student" ? ctx.call("auth.linkedTeacherIds", { studentId: user.id }) : [];
			},

			async asOwner<T>(ctx: TagContext, work: (transaction: Transaction) => Promise<T>): Promise<T> {
				try {
					return await this.transactionAs(this.ownActor(ctx), work);
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
