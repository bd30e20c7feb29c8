import { columnsOf, type CommunityModels, type CommentRow, type MemberRow, type PostRow } from "./models";
import { rewriteReputation, type ItemType, type Query } from "./reputation";

/**
 * Statements both community services run on posts, comments and members, inside a transaction
 * of theirs (`Query`), so that one rule (a tombstone, a reversal) is written once.
 */

export async function lockMember(query: Query, models: CommunityModels, userId: string): Promise<MemberRow | undefined> {
	const [member] = await query<MemberRow>(
		`SELECT ${columnsOf(models.Member, "m")}, EXISTS (SELECT 1 FROM forum_moderators d WHERE d.user_id = m.user_id) AS "isModerator"
		 FROM forum_members m WHERE m.user_id = :userId FOR UPDATE OF m`,
		{ userId }
	);
	return member;
}

export async function lockPost(query: Query, models: CommunityModels, postId: string): Promise<PostRow | undefined> {
	const [post] = await query<PostRow>(`SELECT ${columnsOf(models.Post, "p")} FROM forum_posts p WHERE p.id = :postId FOR UPDATE`, { postId });
	return post;
}

export async function lockComment(query: Query, models: CommunityModels, commentId: string): Promise<CommentRow | undefined> {
	const [comment] = await query<CommentRow>(`SELECT ${columnsOf(models.Comment, "c")} FROM forum_comments c WHERE c.id = :commentId FOR UPDATE`, { commentId });
	return comment;
}

/**
 * Deletes a post or comment as a tombstone: the row stays (its replies keep their place), its
 * content no longer shows, the reputation it earned or cost is reversed, and an accepted answer
 * stops being accepted. Idempotent.
 */
export async function tombstone(query: Query, itemType: ItemType, itemId: string): Promise<boolean> {
	if (itemType === "post") {
		const rows = await query(
			`UPDATE forum_posts SET status = 'deleted', deleted_at = now(), updated_at = now() WHERE id = :itemId AND status <> 'deleted' RETURNING id`,
			{ itemId }
		);
		if (rows.length === 0) return false;
	} else {
		const rows = await query<{ postId: string; kind: string; wasVisible: boolean }>(
			`UPDATE forum_comments c SET status = 'deleted', deleted_at = now(), updated_at = now()
			 FROM forum_comments before WHERE before.id = c.id AND c.id = :itemId AND c.status <> 'deleted'
			 RETURNING c.post_id AS "postId", c.kind, before.status = 'visible' AS "wasVisible"`,
			{ itemId }
		);
		const [deleted] = rows;
		if (!deleted) return false;
		const { postId, kind, wasVisible } = deleted;
		if (kind === "answer") {
			await query(
				`UPDATE forum_posts SET answer_count = answer_count - :counted,
				   accepted_answer_id = CASE WHEN accepted_answer_id = :itemId THEN NULL ELSE accepted_answer_id END
				 WHERE id = :postId RETURNING id`,
				{ postId, itemId, counted: wasVisible ? 1 : 0 }
			);
		}
	}
	await rewriteReputation(query, { itemId }, []);
	return true;
}

/** Makes a pending or hidden item visible again (a moderator approved it). */
export async function reveal(query: Query, itemType: ItemType, itemId: string): Promise<void> {
	if (itemType === "post") {
		await query(`UPDATE forum_posts SET status = 'visible', flag_weight = 0, updated_at = now() WHERE id = :itemId AND status IN ('pending', 'hidden') RETURNING id`, { itemId });
		return;
	}
	const rows = await query<{ postId: string; kind: string }>(
		`UPDATE forum_comments SET status = 'visible', flag_weight = 0, updated_at = now() WHERE id = :itemId AND status IN ('pending', 'hidden')
		 RETURNING post_id AS "postId", kind`,
		{ itemId }
	);
	if (rows[0]?.kind === "answer") await query(`UPDATE forum_posts SET answer_count = answer_count + 1 WHERE id = :postId RETURNING id`, { postId: rows[0].postId });
}

/** Hides a visible item (flags passed the threshold, or a moderator silenced its author). */
export async function hide(query: Query, itemType: ItemType, itemId: string): Promise<boolean> {
	if (itemType === "post") {
		return (await query(`UPDATE forum_posts SET status = 'hidden', updated_at = now() WHERE id = :itemId AND status = 'visible' RETURNING id`, { itemId })).length > 0;
	}
	const rows = await query<{ postId: string; kind: string }>(
		`UPDATE forum_comments SET status = 'hidden', updated_at = now() WHERE id = :itemId AND status = 'visible' RETURNING post_id AS "postId", kind`,
		{ itemId }
	);
	if (rows[0]?.kind === "answer") await query(`UPDATE forum_posts SET answer_count = answer_count - 1 WHERE id = :postId RETURNING id`, { postId: rows[0].postId });
	return rows.length > 0;
}

export async function logModeration(
	query: Query,
	entry: { moderatorId: string | null; action: string; itemType?: ItemType | null; itemId?: string | null; targetUserId?: string | null; note?: string }
): Promise<void> {
	await query(
		`INSERT INTO forum_moderation_log (moderator_id, action, item_type, item_id, target_user_id, note)
		 VALUES (:moderatorId, :action, :itemType, :itemId, :targetUserId, :note) RETURNING id`,
		{ itemType: null, itemId: null, targetUserId: null, note: "", ...entry }
	);
}
