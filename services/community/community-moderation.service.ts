import type { Context, ServiceSchema } from "moleculer";
import type { Transaction } from "sequelize";
import type { FlagReason, ModerationDecision as Decision, QueueEntry } from "../../contracts/community";
import type { EtudeMeta } from "../../lib/actor";
import { ConflictError, NotFoundError } from "../../lib/errors";
import { DbMixin } from "../../mixins/db.mixin";
import { PrivilegeRequiredError } from "./errors";
import { hide, lockComment, lockMember, lockPost, logModeration, reveal, tombstone } from "./items";
import { columnsOf, defineCommunityModels, type CommentRow, type PostRow } from "./models";
import { queryIn, single, type ItemType, type Query } from "./reputation";
import { HIDE_THRESHOLD, PRIVILEGES, REPUTATION, flagWeight } from "./rules";

type ModerationContext<P = Record<string, never>> = Context<P, EtudeMeta>;

const FLAG_REASONS = ["spam", "offensive", "off_topic", "other"] as const satisfies readonly FlagReason[];
const DECISIONS = ["approve", "delete", "silence", "ban"] as const satisfies readonly Decision[];
const SILENCE_DAYS = 7;

/**
 * Community moderation (issue 11): flags weighted by the flagger's standing, an item hiding itself
 * when its open flags weigh HIDE_THRESHOLD, and the moderators' review queue — pending first posts
 * of new users, hidden and flagged items — with approve, delete, silence (7 days) and ban (the
 * account is suspended through auth). Every decision, and every automatic hide, goes to the
 * moderation log. Moderators are a grant the community holds (forum_moderators); the first one
 * is made with `npm run make-moderator -- <email>`.
 */
export default function communityModerationService(): ServiceSchema {
	return {
		name: "community-moderation",
		// The community service exports and purges the tables both services share.
		mixins: [DbMixin(defineCommunityModels)],
		settings: { rest: "/" },

		actions: {
			flag: {
				rest: "POST /forum/flags",
				permissions: ["authenticated"],
				openapi: { summary: "Flag a post or comment (spam, offensive, off-topic, other); weighed by the flagger's standing" },
				params: {
					$$strict: true,
					itemType: { type: "enum", values: ["post", "comment"] },
					itemId: { type: "uuid" },
					reason: { type: "enum", values: FLAG_REASONS },
					note: { type: "string", trim: true, max: 500, default: "" }
				},
				async handler(ctx: ModerationContext<{ itemType: ItemType; itemId: string; reason: string; note: string }>): Promise<{ hidden: boolean; weight: number }> {
					const userId = ctx.meta.user!.id;
					const { itemType, itemId, reason, note } = ctx.params;
					// The item must be one the flagger can see.
					await this.readableItem(ctx, itemType, itemId);
					const result = await this.inTransaction(async (query: Query) => {
						const item = itemType === "post" ? await lockPost(query, this.models, itemId) : await lockComment(query, this.models, itemId);
						if (!item || item.status === "deleted") throw new NotFoundError("Item", "ERR_ITEM_NOT_FOUND");
						if (item.authorId === userId) throw new ConflictError("You cannot flag your own post", "ERR_OWN_ITEM");
						const member = await lockMember(query, this.models, userId);
						const reputation = member?.reputation ?? REPUTATION.floor;
						// A moderator who has never posted or voted has no member row, and is still a moderator.
						const isModerator = member?.isModerator ?? (await this.isModerator(ctx));
						if (!isModerator && reputation < PRIVILEGES.flag) throw new PrivilegeRequiredError("flag", PRIVILEGES.flag, reputation);
						const weight = flagWeight({ reputation, isModerator, accountCreatedAt: member ? new Date(member.accountCreatedAt) : new Date() });
						const inserted = await query(
							`INSERT INTO forum_flags (item_type, item_id, flagger_id, reason, note, weight) VALUES (:itemType, :itemId, :userId, :reason, :note, :weight)
							 ON CONFLICT (flagger_id, item_type, item_id) DO NOTHING RETURNING id`,
							{ itemType, itemId, userId, reason, note, weight }
						);
						if (inserted.length === 0) throw new ConflictError("You have flagged this already", "ERR_ALREADY_FLAGGED");
						const table = itemType === "post" ? "forum_posts" : "forum_comments";
						const { total } = await single(query<{ total: string }>(
							`UPDATE ${table} SET flag_weight = (SELECT coalesce(sum(weight), 0) FROM forum_flags WHERE item_type = :itemType AND item_id = :itemId AND resolved_at IS NULL)
							 WHERE id = :itemId RETURNING flag_weight AS total`,
							{ itemType, itemId }
						));
						const hidden = Number(total) >= HIDE_THRESHOLD && (await hide(query, itemType, itemId));
						if (hidden) await logModeration(query, { moderatorId: null, action: "auto_hide", itemType, itemId, targetUserId: item.authorId, note: `flags weigh ${total}` });
						return { hidden: hidden || item.status === "hidden", weight };
					});
					// 200, not 201: a flag is never read back on its own (the review queue lists flags by item), so the
					// answer is what it did to the item.
					return result;
				}
			},

			queue: {
				rest: "GET /forum/moderation/queue",
				permissions: ["$moderator"],
				openapi: { summary: "The review queue: pending first posts, hidden and flagged items, heaviest flags first" },
				async handler(ctx: ModerationContext): Promise<QueueEntry[]> {
					const rows: Array<QueueEntry & { flags: QueueEntry["flags"] | null }> = await this.queryAs(
						this.ownActor(ctx),
						`SELECT i.*, m.display_name AS "authorName",
						   (SELECT json_agg(json_build_object('reason', f.reason, 'note', f.note, 'weight', f.weight, 'createdAt', f.created_at) ORDER BY f.created_at)
						    FROM forum_flags f WHERE f.item_type = i."itemType" AND f.item_id = i."itemId" AND f.resolved_at IS NULL) AS flags
						 FROM (
						   SELECT 'post' AS "itemType", p.status, p.author_id AS "authorId", p.title, p.body_md AS "bodyMd", p.flag_weight AS "flagWeight",
						     p.created_at AS "createdAt", p.id AS "itemId", p.id AS "postId"
						   FROM forum_posts p WHERE p.status IN ('pending', 'hidden') OR (p.status = 'visible' AND p.flag_weight > 0)
						   UNION ALL
						   SELECT 'comment', c.status, c.author_id, '', c.body_md, c.flag_weight, c.created_at, c.id, c.post_id
						   FROM forum_comments c WHERE c.status IN ('pending', 'hidden') OR (c.status = 'visible' AND c.flag_weight > 0)
						 ) i LEFT JOIN forum_members m ON m.user_id = i."authorId"
						 ORDER BY i."flagWeight" DESC, i."createdAt" LIMIT 100`
					);
					return rows.map(({ bodyMd, ...row }: QueueEntry & { bodyMd?: string; flags: QueueEntry["flags"] | null }) => ({
						...row,
						markdown: bodyMd ?? "",
						flagWeight: Number(row.flagWeight),
						flags: row.flags ?? [],
						createdAt: new Date(row.createdAt).toISOString()
					}));
				}
			},

			decide: {
				rest: "POST /forum/moderation/decisions",
				permissions: ["$moderator"],
				openapi: { summary: "Decide on a queued item: approve, delete, silence its author for 7 days, or ban them" },
				params: {
					$$strict: true,
					itemType: { type: "enum", values: ["post", "comment"] },
					itemId: { type: "uuid" },
					action: { type: "enum", values: DECISIONS },
					note: { type: "string", trim: true, max: 500, default: "" }
				},
				async handler(ctx: ModerationContext<{ itemType: ItemType; itemId: string; action: Decision; note: string }>): Promise<{ action: Decision; status: string }> {
					const moderatorId = ctx.meta.user!.id;
					const { itemType, itemId, action, note } = ctx.params;
					const outcome = await this.inTransaction(async (query: Query) => {
						const item: PostRow | CommentRow | undefined = itemType === "post" ? await lockPost(query, this.models, itemId) : await lockComment(query, this.models, itemId);
						if (!item) throw new NotFoundError("Item", "ERR_ITEM_NOT_FOUND");
						if (action === "approve") await reveal(query, itemType, itemId);
						else if (action === "delete" || action === "ban") await tombstone(query, itemType, itemId);
						else await hide(query, itemType, itemId);
						if (item.authorId && (action === "silence" || action === "ban")) {
							await query(
								`UPDATE forum_members SET silenced_until = CASE WHEN :ban THEN NULL ELSE now() + make_interval(days => :days) END,
								   banned_at = CASE WHEN :ban THEN now() ELSE banned_at END, updated_at = now()
								 WHERE user_id = :userId RETURNING user_id`,
								{ ban: action === "ban", days: SILENCE_DAYS, userId: item.authorId }
							);
						}
						await query(
							`UPDATE forum_flags SET resolved_at = now(), resolution = :resolution WHERE item_type = :itemType AND item_id = :itemId AND resolved_at IS NULL RETURNING id`,
							{ resolution: action === "approve" ? "disagreed" : "agreed", itemType, itemId }
						);
						await logModeration(query, { moderatorId, action, itemType, itemId, targetUserId: item.authorId, note });
						const after = await single(query<{ status: string }>(`SELECT status FROM ${itemType === "post" ? "forum_posts" : "forum_comments"} WHERE id = :itemId`, { itemId }));
						return { authorId: item.authorId, status: after.status };
					});
					// After the transaction: on the embedded database a call inside it would wait behind it.
					if (action === "ban" && outcome.authorId) await ctx.call("auth.suspend", { userId: outcome.authorId });
					return { action, status: outcome.status };
				}
			},

			/** Makes someone a moderator (a moderator's id or "cli" as who granted it); logged. Idempotent. */
			appoint: {
				visibility: "public",
				params: { userId: { type: "uuid" }, grantedBy: { type: "string", min: 1, max: 60 } },
				async handler(ctx: Context<{ userId: string; grantedBy: string }>): Promise<{ appointed: boolean }> {
					const { userId, grantedBy } = ctx.params;
					return this.inTransaction(async (query: Query) => {
						const rows = await query(
							`INSERT INTO forum_moderators (user_id, granted_by) VALUES (:userId, :grantedBy) ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
							{ userId, grantedBy }
						);
						if (rows.length > 0) await logModeration(query, { moderatorId: null, action: "appoint_moderator", targetUserId: userId, note: `granted by ${grantedBy}` });
						return { appointed: rows.length > 0 };
					});
				}
			},

			log: {
				rest: "GET /forum/moderation/log",
				permissions: ["$moderator"],
				openapi: { summary: "The moderation log, newest first" },
				async handler(ctx: ModerationContext) {
					const rows: Array<{ createdAt: Date }> = await this.queryAs(
						this.ownActor(ctx),
						`SELECT ${columnsOf(this.models.ModerationEntry, "l")} FROM forum_moderation_log l ORDER BY l.id DESC LIMIT 200`
					);
					return rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
				}
			}
		},

		methods: {
			async inTransaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
				return this.asSystem((transaction: Transaction) => work(queryIn(this.sequelize, transaction)));
			},

			async readableItem(ctx: ModerationContext, itemType: ItemType, itemId: string): Promise<void> {
				const table = itemType === "post" ? "forum_posts" : "forum_comments";
				const rows = await this.queryAs(this.ownActor(ctx), `SELECT id FROM ${table} WHERE id = :itemId`, { itemId });
				if (rows.length === 0) throw new NotFoundError("Item", "ERR_ITEM_NOT_FOUND");
			},

			async isModerator(ctx: ModerationContext): Promise<boolean> {
				const rows = await this.queryAs(this.ownActor(ctx), `SELECT 1 FROM forum_moderators WHERE user_id = :userId`, { userId: ctx.meta.user!.id });
				return rows.length > 0;
			}
		}
	};
}
