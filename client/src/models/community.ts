/** The community forum: the wire shapes come from contracts/community.ts (forum media from contracts/media.ts); the requests are the app's own. */
import type { Feed, FeedPeriod, FlagReason, ForumItemType, ModerationDecision, NewPost } from "../../../contracts/community";

export type {
	Feed,
	FeedPeriod,
	FlagReason,
	ForumAuthor,
	ForumComment,
	ForumItemStatus,
	ForumItemType,
	ForumPost,
	ForumStanding,
	MarkdownPreview,
	ModerationDecision,
	NewPost,
	PostKind,
	PostSummary,
	QueuedFlag,
	QueueEntry,
	SearchHit,
	VoteResult,
	VoteValue
} from "../../../contracts/community";
export type { ForumMediaView as ForumMedia } from "../../../contracts/media";

export interface FeedQuery {
	feed: Feed;
	period?: FeedPeriod;
	tag?: string;
	limit?: number;
	offset?: number;
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

export interface NewDecision {
	itemType: ForumItemType;
	itemId: string;
	action: ModerationDecision;
	/** For the moderation log. */
	note?: string;
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
