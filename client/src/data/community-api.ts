import type {
	FeedQuery,
	ForumComment,
	ForumItemType,
	ForumMedia,
	ForumPost,
	ForumStanding,
	MarkdownPreview,
	ModerationLogEntry,
	NewDecision,
	NewFlag,
	NewPost,
	PostChanges,
	PostRevision,
	PostSummary,
	QueueEntry,
	SearchHit,
	VoteResult,
	VoteValue
} from "../models/community";
import type { ApiClient } from "./api-client";
import { endpoints } from "./endpoints";

/** The community forum (questions, answers, threaded comments, votes, search); merged into the typed Etude API. */
export function createCommunityApi(client: ApiClient) {
	return {
		forum: {
			feed: (query: FeedQuery) =>
				client.request<{ items: PostSummary[] }>("GET", endpoints.forumPosts, { query: { ...query } }),
			ask: (post: NewPost) => client.request<ForumPost>("POST", endpoints.forumPosts, { body: post }),
			post: (postId: string) => client.request<ForumPost>("GET", endpoints.forumPost(postId)),
			edit: (postId: string, changes: PostChanges) =>
				client.request<ForumPost>("PATCH", endpoints.forumPost(postId), { body: changes }),
			/** The post stays as a tombstone. */
			deletePost: (postId: string) => client.request<void>("DELETE", endpoints.forumPost(postId)),
			revisions: (postId: string) => client.request<PostRevision[]>("GET", endpoints.forumPostRevisions(postId)),
			/** An answer (no parentId) or a reply to an answer or comment. */
			reply: (postId: string, body: string, parentId?: string) =>
				client.request<ForumComment>("POST", endpoints.forumPostComments(postId), { body: { body, parentId } }),
			/** The answer or comment stays as a tombstone. */
			deleteComment: (commentId: string) => client.request<void>("DELETE", endpoints.forumComment(commentId)),
			accept: (postId: string, answerId: string) =>
				client.request<ForumPost>("PUT", endpoints.forumAccept(postId, answerId)),
			unaccept: (postId: string) => client.request<ForumPost>("DELETE", endpoints.forumAccepted(postId)),
			vote: (itemType: ForumItemType, itemId: string, value: VoteValue) =>
				client.request<VoteResult>("PUT", endpoints.forumVote(itemType, itemId), { body: { value } }),
			retractVote: (itemType: ForumItemType, itemId: string) =>
				client.request<VoteResult>("DELETE", endpoints.forumVote(itemType, itemId)),
			search: (q: string, tag?: string) =>
				client.request<{ query: string; items: SearchHit[] }>("GET", endpoints.forumSearch, { query: { q, tag } }),
			tags: (q: string) => client.request<Array<{ tag: string; posts: number }>>("GET", endpoints.forumTags, { query: { q } }),
			preview: (body: string, profile: "full" | "light" = "full") =>
				client.request<MarkdownPreview>("POST", endpoints.forumPreview, { body: { body, profile } }),
			standing: () => client.request<ForumStanding>("GET", endpoints.forumMe),
			flag: (flag: NewFlag) =>
				client.request<{ hidden: boolean; weight: number }>("POST", endpoints.forumFlags, { body: flag }),
			moderationQueue: () => client.request<QueueEntry[]>("GET", endpoints.forumModerationQueue),
			decide: (decision: NewDecision) =>
				client.request<{ action: NewDecision["action"]; status: string }>("POST", endpoints.forumModerationDecisions, { body: decision }),
			moderationLog: () => client.request<ModerationLogEntry[]>("GET", endpoints.forumModerationLog),
			/** One's own uploaded picture or clip, while it is processed. */
			media: (mediaId: string) => client.request<ForumMedia>("GET", endpoints.forumMedia(mediaId))
		}
	};
}
