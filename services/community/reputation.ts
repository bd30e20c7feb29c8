import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { ForumItemType as ItemType } from "../../contracts/community";
import { REPUTATION } from "./rules";

/** Statements inside one transaction of a community service. */
export type Query = <T extends object>(sql: string, replacements?: Record<string, unknown>) => Promise<T[]>;

export function queryIn(sequelize: Sequelize, transaction: Transaction): Query {
	return <T extends object>(sql: string, replacements: Record<string, unknown> = {}) =>
		sequelize.query<T>(sql, { replacements, transaction, type: QueryTypes.SELECT });
}

/** The one row a statement always returns (an aggregate, an UPDATE … RETURNING of a locked row). */
export async function single<T>(rows: Promise<T[]>): Promise<T> {
	const [row] = await rows;
	if (row === undefined) throw new Error("The statement returned no row");
	return row;
}

export type { ItemType };
export type GainKind = "upvoted" | "downvoted" | "downvote_cast" | "accepted" | "accept_given" | "bonus";

export interface LedgerEntry {
	id: number;
	kind: GainKind | "reversal";
	amount: number;
	applied: number;
	reversesId: number | null;
	createdAt: Date;
}

export interface NewGain {
	userId: string;
	kind: GainKind;
	amount: number;
	itemType: ItemType | null;
	itemId: string | null;
	sourceKey: string;
}

function utcDay(at: Date): string {
	return at.toISOString().slice(0, 10);
}

/**
 * Reputation from the ledger alone, in event order: capped kinds gain at most the daily cap per
 * UTC day (accepts, bonuses and reversals are outside it), a reversal takes back what its event
 * applied, and reputation never falls below the floor. Returns the total and each event's applied
 * amount, which must equal what was stored when the event was appended.
 */
export function foldLedger(entries: readonly LedgerEntry[]): { reputation: number; applied: Map<number, number> } {
	let reputation: number = REPUTATION.floor;
	const cappedGainByDay = new Map<string, number>();
	const applied = new Map<number, number>();
	for (const entry of entries) {
		let change = entry.kind === "reversal" ? -(applied.get(entry.reversesId ?? -1) ?? 0) : entry.amount;
		if (REPUTATION.cappedKinds.includes(entry.kind) && change > 0) {
			const day = utcDay(entry.createdAt);
			const gained = cappedGainByDay.get(day) ?? 0;
			change = Math.min(change, Math.max(0, REPUTATION.dailyCap - gained));
			cappedGainByDay.set(day, gained + change);
		}
		const next = Math.max(REPUTATION.floor, reputation + change);
		applied.set(entry.id, next - reputation);
		reputation = next;
	}
	return { reputation, applied };
}

/** Locks the members' rows in one order (by id), so two transactions never wait on each other in a circle. */
export async function lockMembers(query: Query, userIds: readonly string[]): Promise<Map<string, number>> {
	const unique = [...new Set(userIds)].sort();
	if (unique.length === 0) return new Map();
	const rows = await query<{ userId: string; reputation: number }>(
		`SELECT user_id AS "userId", reputation FROM forum_members WHERE user_id = ANY(:ids::uuid[]) ORDER BY user_id FOR UPDATE`,
		{ ids: `{${unique.join(",")}}` }
	);
	return new Map(rows.map((row) => [row.userId, row.reputation]));
}

/**
 * Appends one event for a member whose row this transaction has locked, applying the cap and
 * the floor exactly as `foldLedger` does, and moves the cached reputation by what it applied.
 */
async function appendEvent(
	query: Query,
	reputation: Map<string, number>,
	event: NewGain | { userId: string; kind: "reversal"; amount: number; itemType: ItemType | null; itemId: string | null; sourceKey: string; reversesId: number }
): Promise<void> {
	const current = reputation.get(event.userId);
	if (current === undefined) throw new Error("appendEvent needs the member's row locked first");
	let change = event.amount;
	if (REPUTATION.cappedKinds.includes(event.kind) && change > 0) {
		const { gained } = await single(query<{ gained: number }>(
			`SELECT coalesce(sum(applied), 0)::int AS gained FROM forum_reputation_events
			 WHERE user_id = :userId AND kind = ANY(:kinds::text[])
			   AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
			{ userId: event.userId, kinds: `{${REPUTATION.cappedKinds.join(",")}}` }
		));
		change = Math.min(change, Math.max(0, REPUTATION.dailyCap - gained));
	}
	const next = Math.max(REPUTATION.floor, current + change);
	await query(
		`INSERT INTO forum_reputation_events (user_id, kind, amount, applied, item_type, item_id, source_key, reverses_id)
		 VALUES (:userId, :kind, :amount, :applied, :itemType, :itemId, :sourceKey, :reversesId) RETURNING id`,
		{ ...event, applied: next - current, reversesId: "reversesId" in event ? event.reversesId : null }
	);
	if (next !== current) {
		await query(`UPDATE forum_members SET reputation = :next, updated_at = now() WHERE user_id = :userId RETURNING user_id`, { next, userId: event.userId });
		reputation.set(event.userId, next);
	}
}

interface OpenEvent {
	id: number;
	userId: string;
	applied: number;
	itemType: ItemType | null;
	itemId: string | null;
	sourceKey: string;
}

/** Events not reversed yet, selected by their cause or by the item they are about. */
async function openEvents(query: Query, where: { sourceKey: string } | { itemId: string }): Promise<OpenEvent[]> {
	const [column, value] = "sourceKey" in where ? ["source_key", where.sourceKey] : ["item_id", where.itemId];
	return query<OpenEvent>(
		`SELECT e.id, e.user_id AS "userId", e.applied, e.item_type AS "itemType", e.item_id AS "itemId", e.source_key AS "sourceKey"
		 FROM forum_reputation_events e
		 WHERE e.${column} = :value AND e.kind <> 'reversal'
		   AND NOT EXISTS (SELECT 1 FROM forum_reputation_events r WHERE r.reverses_id = e.id)
		 ORDER BY e.id`,
		{ value }
	);
}

/**
 * Changes reputation for one cause: reverses what the cause gave so far (a changed or retracted
 * vote, a changed accept) or what an item earned (a deleted post), then appends the new gains.
 * Every member concerned is locked first, in one order.
 */
export async function rewriteReputation(
	query: Query,
	reverse: { sourceKey: string } | { itemId: string } | null,
	gains: readonly NewGain[]
): Promise<void> {
	const toReverse = reverse ? await openEvents(query, reverse) : [];
	if (toReverse.length === 0 && gains.length === 0) return;
	const reputation = await lockMembers(query, [...toReverse.map((event) => event.userId), ...gains.map((gain) => gain.userId)]);
	for (const event of toReverse) {
		await appendEvent(query, reputation, {
			userId: event.userId,
			kind: "reversal",
			amount: -event.applied,
			itemType: event.itemType,
			itemId: event.itemId,
			sourceKey: event.sourceKey,
			reversesId: event.id
		});
	}
	for (const gain of gains) if (reputation.has(gain.userId)) await appendEvent(query, reputation, gain);
}

/** The events that belong to a vote (who gains or loses what), by the item's kind. */
export function voteGains(vote: { voterId: string; itemType: ItemType; itemId: string; itemKind: string; authorId: string | null; value: number }): NewGain[] {
	const sourceKey = voteSourceKey(vote.voterId, vote.itemType, vote.itemId);
	// Votes on plain comments move their score only (Stack Overflow gives no reputation for them).
	if (vote.itemKind === "comment" || !vote.authorId) return [];
	const base = { itemType: vote.itemType, itemId: vote.itemId, sourceKey };
	if (vote.value > 0) return [{ ...base, userId: vote.authorId, kind: "upvoted", amount: REPUTATION.upvoted }];
	const gains: NewGain[] = [{ ...base, userId: vote.authorId, kind: "downvoted", amount: REPUTATION.downvoted }];
	if (vote.itemKind === "answer") gains.push({ ...base, userId: vote.voterId, kind: "downvote_cast", amount: REPUTATION.downvoteCast });
	return gains;
}

export function voteSourceKey(voterId: string, itemType: ItemType, itemId: string): string {
	return `vote:${voterId}:${itemType}:${itemId}`;
}

export function acceptSourceKey(postId: string): string {
	return `accept:${postId}`;
}

/** The cached figure beside the one recomputed from the ledger, and whether every stored applied amount agrees. */
export async function recomputeReputation(query: Query, userId: string): Promise<{ cached: number; recomputed: number; ledgerConsistent: boolean }> {
	const entries = await query<LedgerEntry>(
		`SELECT id::int AS id, kind, amount, applied, reverses_id::int AS "reversesId", created_at AS "createdAt"
		 FROM forum_reputation_events WHERE user_id = :userId ORDER BY id`,
		{ userId }
	);
	const [member] = await query<{ reputation: number }>(`SELECT reputation FROM forum_members WHERE user_id = :userId`, { userId });
	const folded = foldLedger(entries.map((entry) => ({ ...entry, createdAt: new Date(entry.createdAt) })));
	return {
		cached: member?.reputation ?? REPUTATION.floor,
		recomputed: folded.reputation,
		ledgerConsistent: entries.every((entry) => folded.applied.get(entry.id) === entry.applied)
	};
}
