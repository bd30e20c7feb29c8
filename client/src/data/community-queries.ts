import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FeedQuery, ForumItemType, NewDecision, NewFlag, NewPost, PostChanges, VoteValue } from "../models/community";
import { api } from "./app-services";

/** Posts per page of a feed; the server takes 1 to 50. */
export const FEED_PAGE_SIZE = 20;

export const communityKeys = {
	all: ["forum"] as const,
	feed: (query: FeedQuery) => ["forum", "feed", query] as const,
	post: (postId: string) => ["forum", "post", postId] as const,
	revisions: (postId: string) => ["forum", "post", postId, "revisions"] as const,
	moderationQueue: ["forum", "moderation", "queue"] as const,
	moderationLog: ["forum", "moderation", "log"] as const,
	search: (q: string, tag: string | undefined) => ["forum", "search", q, tag ?? null] as const,
	tags: (q: string) => ["forum", "tags", q] as const,
	preview: (body: string) => ["forum", "preview", body] as const,
	standing: ["forum", "me"] as const
};

/**
 * A feed page by page. The server pages by offset and sends no total: a full page means there may
 * be more; a short one is the end.
 */
export function useFeed(query: Omit<FeedQuery, "limit" | "offset">) {
	return useInfiniteQuery({
		queryKey: communityKeys.feed(query),
		queryFn: ({ pageParam }) => api.forum.feed({ ...query, limit: FEED_PAGE_SIZE, offset: pageParam }),
		initialPageParam: 0,
		getNextPageParam: (lastPage, pages) => (lastPage.items.length < FEED_PAGE_SIZE ? undefined : pages.length * FEED_PAGE_SIZE)
	});
}

export function usePost(postId: string) {
	return useQuery({ queryKey: communityKeys.post(postId), queryFn: () => api.forum.post(postId) });
}

export function usePostRevisions(postId: string) {
	return useQuery({ queryKey: communityKeys.revisions(postId), queryFn: () => api.forum.revisions(postId) });
}

/** Runs only for a non-empty query; the previous results stay while the next ones load. */
export function useForumSearch(q: string, tag?: string) {
	return useQuery({
		queryKey: communityKeys.search(q, tag),
		queryFn: () => api.forum.search(q, tag),
		enabled: q.trim().length > 0,
		placeholderData: keepPreviousData
	});
}

export function useForumTags(q: string) {
	return useQuery({ queryKey: communityKeys.tags(q), queryFn: () => api.forum.tags(q), placeholderData: keepPreviousData });
}

/** The server's own rendering of the draft (the same function that stores it). */
export function useMarkdownPreview(body: string) {
	return useQuery({
		queryKey: communityKeys.preview(body),
		queryFn: () => api.forum.preview(body),
		enabled: body.trim().length > 0,
		placeholderData: keepPreviousData
	});
}

export function useForumStanding() {
	return useQuery({ queryKey: communityKeys.standing, queryFn: api.forum.standing });
}

/** Any write reads the forum again (the post, feeds, reputation). */
function useForumMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
	const queryClient = useQueryClient();
	return useMutation({ mutationFn, onSuccess: () => queryClient.invalidateQueries({ queryKey: communityKeys.all }) });
}

export function useAsk() {
	return useForumMutation((post: NewPost) => api.forum.ask(post));
}

export function useEditPost(postId: string) {
	return useForumMutation((changes: PostChanges) => api.forum.edit(postId, changes));
}

export function useDeletePost(postId: string) {
	return useForumMutation(() => api.forum.deletePost(postId));
}

export function useDeleteComment() {
	return useForumMutation((commentId: string) => api.forum.deleteComment(commentId));
}

export function useReplyToPost(postId: string) {
	return useForumMutation(({ body, parentId }: { body: string; parentId?: string }) => api.forum.reply(postId, body, parentId));
}

/** value 0 retracts the caller's vote. */
export function useVote() {
	return useForumMutation(({ itemType, itemId, value }: { itemType: ForumItemType; itemId: string; value: VoteValue | 0 }) =>
		value === 0 ? api.forum.retractVote(itemType, itemId) : api.forum.vote(itemType, itemId, value)
	);
}

export function useAccept(postId: string) {
	return useForumMutation((answerId: string | null) => (answerId ? api.forum.accept(postId, answerId) : api.forum.unaccept(postId)));
}

export function useFlag() {
	return useMutation({ mutationFn: (flag: NewFlag) => api.forum.flag(flag) });
}

/** Only a moderator may read the queue and the log: the others are not asked (the server would refuse them). */
export function useModerationQueue(isModerator: boolean) {
	return useQuery({ queryKey: communityKeys.moderationQueue, queryFn: api.forum.moderationQueue, enabled: isModerator });
}

export function useModerationLog(isModerator: boolean) {
	return useQuery({ queryKey: communityKeys.moderationLog, queryFn: api.forum.moderationLog, enabled: isModerator });
}

/** A decision changes the queue, the log and what the feeds and the post show. */
export function useDecide() {
	return useForumMutation((decision: NewDecision) => api.forum.decide(decision));
}
