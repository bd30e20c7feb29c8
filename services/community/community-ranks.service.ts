import type { ServiceSchema } from "moleculer";
import type { Transaction } from "sequelize";
import { Cron } from "../../mixins/cron.mixin";
import { DbMixin } from "../../mixins/db.mixin";
import { defineCommunityModels } from "./models";
import { queryIn, single, type Query } from "./reputation";

/**
 * How old a stored hot rank may get. A post created, voted on or re-dated is ranked at once (by a
 * trigger, migrations/0016); the others are ranked again this often as they age. Between two
 * runs a just-ranked post stands at most ~1.5 % above the rank a fresh computation would give it
 * (a minute of age at two hours old: ((2 + 1/60) / 2)^1.8).
 */
export const HOT_REFRESH_MS = 60_000;

/**
 * The hot feed's worker: every minute ranks every post of `forum_post_ranks` again from its score
 * and age (Lemmy's rank, `forum_hot_rank`) and drops those that have left the hot window. Rows a
 * writer has locked are skipped (SKIP LOCKED): their writer's trigger ranks them in its own
 * transaction, and a refresh never waits on a vote or a purge, nor they on it. Several nodes may
 * run it at once: each ranks what the others have not locked.
 */
export default function communityRanksService(): ServiceSchema {
	return {
		name: "community-ranks",
		mixins: [DbMixin(defineCommunityModels), Cron({ refresh: { everyMs: HOT_REFRESH_MS, method: "refreshHotRanks", runAtStart: true } })],

		actions: {
			/** Ranks the hot window again now (tests, operators); the timer does it every HOT_REFRESH_MS. */
			refreshHotRanks: {
				visibility: "public",
				async handler(): Promise<{ ranked: number; dropped: number }> {
					return this.refreshHotRanks();
				}
			}
		},

		methods: {
			/** Raw SQL: FOR UPDATE SKIP LOCKED and data-modifying CTEs have no builder form. */
			async refreshHotRanks(): Promise<{ ranked: number; dropped: number }> {
				return this.asSystem((transaction: Transaction) => {
					const query: Query = queryIn(this.sequelize, transaction);
					return single(query<{ ranked: number; dropped: number }>(
						`WITH dropped AS (
						   DELETE FROM forum_post_ranks r WHERE r.post_id IN (
						     SELECT post_id FROM forum_post_ranks WHERE created_at <= now() - forum_hot_window() FOR UPDATE SKIP LOCKED)
						   RETURNING r.post_id
						 ), ranked AS (
						   UPDATE forum_post_ranks r SET hot_rank = forum_hot_rank(r.score, r.created_at), ranked_at = now()
						   WHERE r.post_id IN (SELECT post_id FROM forum_post_ranks WHERE created_at > now() - forum_hot_window() FOR UPDATE SKIP LOCKED)
						   RETURNING r.post_id
						 )
						 SELECT (SELECT count(*) FROM ranked)::int AS ranked, (SELECT count(*) FROM dropped)::int AS dropped`,
						{}
					));
				});
			}
		}
	};
}
