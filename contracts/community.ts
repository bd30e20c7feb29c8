/**
 * The community forum as the community API answers it (services/community/*.service.ts, search.ts).
 * Wire shapes only: times are ISO 8601 strings. Forum media is in contracts/media.ts.
 */

export type PostKind = "question" | "discussion";
export type ForumItemStatus = "visible" | "pending" | "hidden" | "deleted";
export type ForumItemType = "post" | "comment";
export type Feed = "hot" | "new" | "top" | "unanswered";
export type FeedPeriod = "week" | "month" | "all";
export type VoteValue = 1 | -1;
export type FlagReason = "spam" | "offensive" | "off_topic" | "other";
/** services/community/community-moderation.service.ts: silence hides the item and mutes its author for 7 days. */
export type ModerationDecision = "approve" | "delete" | "silence" | "ban";

export interface ForumAuthor {
	id: string;
	name: string;
	reputation: number;
}

/** A post in a feed. */
export interface PostSummary {
	id: string;
	kind: PostKind;
	title: string;
	excerpt: string;
	tags: string[];
	instrument: string | null;
	status: ForumItemStatus;
	score: number;
	answerCount: number;
	hasAcceptedAnswer: boolean;
	/** null once the author's account is gone */
	author: ForumAuthor | null;
	createdAt: string;
	lastActivityAt: string;
}

export interface ForumComment {
	id: string;
	parentId: string | null;
	kind: "answer" | "comment";
	depth: number;
	/** Server-rendered, sanitised HTML. */
	html: string;
	markdown: string;
	status: ForumItemStatus;
	score: number;
	myVote: number;
	accepted: boolean;
	author: ForumAuthor | null;
	createdAt: string;
	/** Ordered by the server: accepted first, then score, time, id. */
	replies: ForumComment[];
}

/** One post with its thread (GET /api/forum/posts/:id). */
export interface ForumPost extends Omit<PostSummary, "excerpt"> {
	/** Server-rendered, sanitised HTML. */
	html: string;
	markdown: string;
	revision: number;
	acceptedAnswerId: string | null;
	myVote: number;
	updatedAt: string;
	comments: ForumComment[];
}

export interface SearchHit {
	id: string;
	kind: PostKind;
	/** HTML: the title escaped, matched words in <mark>. */
	titleHtml: string;
	/** HTML: a fragment of the body escaped, matched words in <mark>. */
	snippetHtml: string;
	tags: string[];
	score: number;
	answerCount: number;
	rank: number;
	createdAt: string;
}

/** What a post is written with (POST /api/forum/posts; PATCH /api/forum/posts/:id takes any of them). */
export interface PostFields {
	title: string;
	/** Markdown */
	body: string;
	tags: string[];
	instrument?: string | null;
}

export interface NewPost extends PostFields {
	/** Default "question". */
	kind?: PostKind;
}

export interface VoteResult {
	score: number;
	myVote: number;
}

export interface MarkdownPreview {
	html: string;
	links: number;
	images: number;
}

export interface QueuedFlag {
	reason: FlagReason;
	note: string;
	weight: number;
	createdAt: string;
}

/** One item of the review queue: a pending first post, or a hidden or flagged item, heaviest flags first. */
export interface QueueEntry {
	itemType: ForumItemType;
	itemId: string;
	/** The post itself, or the post a comment belongs to. */
	postId: string;
	status: ForumItemStatus;
	authorId: string | null;
	authorName: string | null;
	/** Empty for a comment. */
	title: string;
	markdown: string;
	flagWeight: number;
	/** The open flags only. */
	flags: QueuedFlag[];
	createdAt: string;
}

/** GET /api/forum/me: the caller's reputation, privileges (with their thresholds) and latest reputation events. */
export interface ForumStanding {
	reputation: number;
	isModerator: boolean;
	privileges: Array<{ name: string; threshold: number; granted: boolean }>;
	events: Array<{ kind: string; applied: number; itemType: string | null; itemId: string | null; createdAt: string }>;
}
