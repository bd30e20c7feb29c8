import type { ForumComment, ForumPost, ForumStanding, QueueEntry } from "../src/models/community";

/** Component-test fixtures for the community screens: the server's shapes with believable values. */

export function comment(overrides: Partial<ForumComment> & { id: string }): ForumComment {
	return {
		parentId: null,
		kind: "answer",
		depth: 1,
		html: `<p>Text of ${overrides.id}</p>`,
		markdown: `Text of ${overrides.id}`,
		status: "visible",
		score: 0,
		myVote: 0,
		accepted: false,
		author: { id: "u2", name: "Ravi", reputation: 30 },
		createdAt: "2026-12-01T10:00:00.000Z",
		replies: [],
		...overrides
	};
}

export const ASKER = { id: "u1", name: "Nina", reputation: 12 };

export function post(overrides: Partial<ForumPost> = {}): ForumPost {
	return {
		id: "11111111-1111-4111-8111-111111111111",
		kind: "question",
		title: "Collé bowing at the frog",
		html: "<p>How do I start a collé?</p>",
		markdown: "How do I start a collé?",
		tags: ["bowing"],
		instrument: "cello",
		status: "visible",
		score: 3,
		answerCount: 2,
		hasAcceptedAnswer: true,
		author: ASKER,
		createdAt: "2026-12-01T09:00:00.000Z",
		lastActivityAt: "2026-12-01T10:00:00.000Z",
		revision: 1,
		acceptedAnswerId: "a2",
		myVote: 0,
		updatedAt: "2026-12-01T09:00:00.000Z",
		comments: [
			comment({ id: "a2", accepted: true, score: 1, author: { id: "u3", name: "Mei", reputation: 200 } }),
			comment({
				id: "a1",
				score: 5,
				replies: [comment({ id: "c1", parentId: "a1", kind: "comment", depth: 2, author: { id: "u1", name: "Nina", reputation: 12 } })]
			})
		],
		...overrides
	};
}

/** The server's privilege list (services/community/rules.ts PRIVILEGES) as granted at this reputation. */
export function standing(overrides: Partial<Pick<ForumStanding, "reputation" | "isModerator">> = {}): ForumStanding {
	const reputation = overrides.reputation ?? 12;
	const thresholds = { noNewUserLimits: 10, upvote: 15, flag: 15, commentEverywhere: 50, downvote: 125, editOthers: 2000 };
	return {
		reputation,
		isModerator: overrides.isModerator ?? false,
		privileges: Object.entries(thresholds).map(([name, threshold]) => ({ name, threshold, granted: reputation >= threshold })),
		events: []
	};
}

export function queueEntry(overrides: Partial<QueueEntry> & { itemId: string }): QueueEntry {
	return {
		itemType: "post",
		postId: overrides.itemId,
		status: "hidden",
		authorId: "u4",
		authorName: "Spammy Sam",
		title: "Cheap violins here",
		markdown: "Buy now at example.org",
		flagWeight: 5,
		flags: [{ reason: "spam", note: "a shop", weight: 5, createdAt: "2026-12-01T11:00:00.000Z" }],
		createdAt: "2026-12-01T10:30:00.000Z",
		...overrides
	};
}
