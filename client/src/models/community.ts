/** The community forum's shapes, as services/community/community.service.ts returns them. */
export type PostKind = "question" | "discussion";
export type ForumItemStatus = "visible" | "pending" | "hidden" | "deleted";
export type Feed = "hot" | "new" | "top" | "unanswered";
export type FeedPeriod = "week" | "month" | "all";
export type ForumItemType = "post" | "comment";
export type VoteValue = 1 | -1;
export type FlagReason = "spam" | "offensive" | "off_topic" | "other";

export interface ForumAuthor {
	id: string;
	name: string;
	reputation: number;
}

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

export interface NewPost {
	kind?: PostKind;
	title: string;
	body: string;
	tags: string[];
	instrument?: string | null;
}

export interface FeedQuery {
	feed: Feed;
	period?: FeedPeriod;
	tag?: string;
	limit?: number;
	offset?: number;
}

export interface SearchHit {
	id: string;
	kind: PostKind;
	/** Server-escaped title with matches in <mark>. */
	titleHtml: string;
	/** Server-escaped body fragment with matches in <mark>. */
	snippetHtml: string;
	tags: string[];
	score: number;
	answerCount: number;
	rank: number;
	createdAt: string;
}

export interface VoteResult {
	score: number;
	myVote: number;
}

/** One's own picture or clip for a post (GET /api/forum-media/:id); `markdown` embeds it once ready. */
export interface ForumMedia {
	id: string;
	kind: "image" | "clip";
	state: "uploading" | "queued" | "processing" | "ready" | "failed";
	failureCode: string | null;
	failureReason: string | null;
	width: number | null;
	height: number | null;
	durationS: number | null;
	markdown: string;
	createdAt: string;
}

export interface MarkdownPreview {
	html: string;
	links: number;
	images: number;
}

export interface ForumStanding {
	reputation: number;
	isModerator: boolean;
	privileges: Array<{ name: string; threshold: number; granted: boolean }>;
	events: Array<{ kind: string; applied: number; itemType: string | null; itemId: string | null; createdAt: string }>;
}

export interface NewFlag {
	itemType: ForumItemType;
	itemId: string;
	reason: FlagReason;
	note?: string;
}

/** What may change in an edit (PATCH /forum/posts/:id); what is left out stays as it was. */
export type PostChanges = Partial<Pick<NewPost, "title" | "body" | "tags" | "instrument">>;

/** One stored version of a post (GET /forum/posts/:id/revisions), newest first. */
export interface PostRevision {
	postId: string;
	revision: number;
	editorId: string | null;
	title: string;
	markdown: string;
	tags: string[];
	instrument: string | null;
	createdAt: string;
}

/** services/community/community-moderation.service.ts DECISIONS: silence hides the item and mutes its author for 7 days. */
export type ModerationDecision = "approve" | "delete" | "silence" | "ban";

export interface NewDecision {
	itemType: ForumItemType;
	itemId: string;
	action: ModerationDecision;
	/** For the moderation log. */
	note?: string;
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

/** A decision or an automatic hide; moderatorId is null for what the flags did themselves. */
export interface ModerationLogEntry {
	/** A bigint, sent as a string. */
	id: string;
	moderatorId: string | null;
	action: ModerationDecision | "auto_hide" | "appoint_moderator";
	itemType: ForumItemType | null;
	itemId: string | null;
	targetUserId: string | null;
	note: string;
	createdAt: string;
}
