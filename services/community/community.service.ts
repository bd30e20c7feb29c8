import type { Context, ServiceSchema } from "moleculer";
import type { Transaction } from "sequelize";
import type { Feed, FeedPeriod, ForumAuthor as AuthorView, ForumComment as CommentView, ForumPost as PostView, ForumStanding, MarkdownPreview, PostFields, PostSummary, SearchHit, VoteResult } from "../../contracts/community";
import type { EtudeMeta } from "../../lib/actor";
import { eventIdOf, type DomainChannel, type DomainEventPayloads } from "../../lib/domain-events";
import { NotFoundError, ValidationFailedError } from "../../lib/errors";
import type { EmbeddableMedia } from "../../lib/forum-media";
import { MARKDOWN_MAX_CHARS, markdownStats, markdownToPlainText, mediaReferences, renderMarkdown, type MediaResolver } from "../../lib/markdown";
import { DbMixin } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import type { AccountProfile } from "../auth.service";
import type { ForumMediaFacts } from "../media/media.service";
import { ForumStateError, MediaReferenceError, PostingLimitError, PrivilegeRequiredError, SelfVoteError, SilencedError } from "./errors";
import { lockComment, lockMember, lockPost, tombstone } from "./items";
import { columnsOf, defineCommunityModels, type CommentRow, type CommunityModels, type MemberRow, type PostRow } from "./models";
import { acceptSourceKey, queryIn, recomputeReputation, single, rewriteReputation, voteGains, voteSourceKey, type ItemType, type Query } from "./reputation";
import { HOT_WINDOW_DAYS, LIMITS, PRIVILEGES, REPUTATION, TAG_PATTERN, needsReview, normaliseTags, postingProblem, privilegesOf, type Privilege } from "./rules";
import { searchPosts, suggestTags } from "./search";

type ForumContext<P = Record<string, never>> = Context<P, EtudeMeta>;

const FEEDS = ["hot", "new", "top", "unanswered"] as const satisfies readonly Feed[];
const PERIOD_DAYS = { week: 7, month: 30, all: null } as const satisfies Record<FeedPeriod, number | null>;

const tagParam = { type: "string", trim: true, min: 1, max: LIMITS.maxTagLength, lowercase: true, pattern: TAG_PATTERN };
const postParams = {
	title: { type: "string", trim: true, min: 10, max: 150 },
	body: { type: "string", min: 20, max: MARKDOWN_MAX_CHARS },
	tags: { type: "array", items: { type: "string", trim: true, min: 1, max: LIMITS.maxTagLength }, max: LIMITS.maxTags, default: [] },
	instrument: { type: "string", trim: true, min: 1, max: 40, nullable: true, optional: true }
};
const itemTypeParam = { type: "enum", values: ["post", "comment"] };

function checkTags(raw: readonly string[]): string[] {
	const tags = normaliseTags(raw);
	const bad = tags.filter((tag) => !TAG_PATTERN.test(tag) || tag.length > LIMITS.maxTagLength);
	if (bad.length > 0) throw new ValidationFailedError("Some tags are not valid", bad.map((tag) => ({ field: "tags", message: `"${tag}" is not a tag: lower-case letters, digits and - only.` })));
	return tags;
}

function iso(value: Date | string): string {
	return new Date(value).toISOString();
}

/** A tombstone keeps its place and its score; its words are gone. */
function shown<T extends { status: string }>(row: T, text: string): string {
	return row.status === "deleted" ? "" : text;
}

interface AuthorColumns {
	authorName: string | null;
	authorReputation: number | null;
}

function authorOf(row: { authorId: string | null } & AuthorColumns): AuthorView | null {
	return row.authorId && row.authorName !== null ? { id: row.authorId, name: row.authorName, reputation: row.authorReputation ?? REPUTATION.floor } : null;
}

const AUTHOR_COLUMNS = `m.display_name AS "authorName", m.reputation AS "authorReputation"`;

function summaryOf(row: PostRow & AuthorColumns): PostSummary {
	return { ...headerOf(row), excerpt: shown(row, excerptOf(row.bodyText)) };
}

/** The stored plain text's first words (rendering markdown again for every row of a feed would cost more than the query). */
function excerptOf(text: string, maxChars = 200): string {
	return text.length > maxChars ? `${text.slice(0, maxChars - 1).trimEnd()}…` : text;
}

function headerOf(row: PostRow & AuthorColumns): Omit<PostSummary, "excerpt"> {
	return {
		id: row.id,
		kind: row.kind,
		title: shown(row, row.title),
		tags: row.tags,
		instrument: row.instrument,
		status: row.status,
		score: row.score,
		answerCount: row.answerCount,
		hasAcceptedAnswer: row.acceptedAnswerId !== null,
		author: authorOf(row),
		createdAt: iso(row.createdAt),
		lastActivityAt: iso(row.lastActivityAt)
	};
}

/** Siblings by score, then time (then id, so equal ones never swap); an accepted answer first. */
function threadOf(rows: Array<CommentRow & AuthorColumns & { myVote: number }>, acceptedAnswerId: string | null): CommentView[] {
	const views = new Map<string, CommentView>();
	for (const row of rows) {
		views.set(row.id, {
			id: row.id,
			parentId: row.parentId,
			kind: row.kind,
			depth: row.depth,
			html: shown(row, row.bodyHtml),
			markdown: shown(row, row.bodyMd),
			status: row.status,
			score: row.score,
			myVote: row.myVote,
			accepted: row.id === acceptedAnswerId,
			author: row.status === "deleted" ? null : authorOf(row),
			createdAt: iso(row.createdAt),
			replies: []
		});
	}
	const roots: CommentView[] = [];
	for (const view of views.values()) {
		const parent = view.parentId ? views.get(view.parentId) : undefined;
		if (view.parentId && parent) parent.replies.push(view);
		else if (!view.parentId) roots.push(view);
	}
	const order = (list: CommentView[]) => {
		list.sort((a, b) => Number(b.accepted) - Number(a.accepted) || b.score - a.score || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
		for (const view of list) order(view.replies);
	};
	order(roots);
	return roots;
}

/**
 * The community's questions and discussions (issue 11): posts with revisions and tombstones,
 * answers and threaded comments, votes, accepted answers, reputation with privileges, feeds,
 * search and the markdown preview. Reads run as the signed-in person under row-level security
 * (visible posts for everyone signed in; pending or hidden ones for their author); every write
 * runs as the service, which applies the rules of rules.ts in the same transaction.
 * Flags and the review queue are community-moderation's.
 */
export default function communityService(): ServiceSchema {
	return {
		name: "community",
		mixins: [DbMixin(defineCommunityModels), PersonalDataMixin(), Outbox()],
		settings: { rest: "/" },

		actions: {
			createPost: {
				rest: "POST /forum/posts",
				permissions: ["authenticated"],
				openapi: { summary: "Ask a question or start a discussion (markdown body, up to 5 lower-case tags, an instrument)" },
				params: { $$strict: true, kind: { type: "enum", values: ["question", "discussion"], default: "question" }, ...postParams },
				async handler(ctx: ForumContext<PostFields & { kind: "question" | "discussion" }>): Promise<PostView> {
					const tags = checkTags(ctx.params.tags);
					const { title, body, kind } = ctx.params;
					const stats = markdownStats(body);
					const userId = ctx.meta.user!.id;
					await this.ensureMember(ctx);
					const media: MediaResolver = await this.embeddableMedia(ctx, body, userId, { strict: true });
					const postId: string = await this.inTransaction(async (query: Query) => {
						const member = await this.memberAllowedToPost(query, userId, "post", stats);
						const post = await single(query<{ id: string }>(
							`INSERT INTO forum_posts (author_id, kind, title, body_md, body_html, body_text, tags, instrument, status)
							 VALUES (:userId, :kind, :title, :body, :html, :text, :tags::text[], :instrument, :status) RETURNING id`,
							{
								userId,
								kind,
								title,
								body,
								html: renderMarkdown(body, "full", media),
								text: markdownToPlainText(body, MARKDOWN_MAX_CHARS),
								tags: `{${tags.join(",")}}`,
								instrument: ctx.params.instrument ?? null,
								status: needsReview(member, stats.links) ? "pending" : "visible"
							}
						));
						await this.writeRevision(query, post.id, userId);
						return post.id;
					});
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/forum/posts/${postId}`;
					return this.postView(ctx, postId);
				}
			},

			listPosts: {
				rest: "GET /forum/posts",
				permissions: ["authenticated"],
				openapi: { summary: "A feed: hot (score with time decay), new, top of the week, month or all time, unanswered; optionally one tag" },
				params: {
					$$strict: true,
					feed: { type: "enum", values: FEEDS, default: "hot" },
					period: { type: "enum", values: Object.keys(PERIOD_DAYS), default: "week" },
					tag: { ...tagParam, optional: true },
					limit: { type: "number", integer: true, convert: true, min: 1, max: 50, default: 20 },
					offset: { type: "number", integer: true, convert: true, min: 0, max: 10_000, default: 0 }
				},
				async handler(ctx: ForumContext<{ feed: Feed; period: keyof typeof PERIOD_DAYS; tag?: string; limit: number; offset: number }>): Promise<{ items: PostSummary[] }> {
					const rows: Array<PostRow & AuthorColumns> = await this.queryAs(this.ownActor(ctx), feedQuery(this.models, ctx.params.feed, ctx.params.tag !== undefined), {
						tag: ctx.params.tag ?? null,
						periodDays: PERIOD_DAYS[ctx.params.period],
						hotDays: HOT_WINDOW_DAYS,
						limit: ctx.params.limit,
						offset: ctx.params.offset
					});
					return { items: rows.map(summaryOf) };
				}
			},

			getPost: {
				rest: "GET /forum/posts/:id",
				permissions: ["authenticated"],
				openapi: { summary: "A post with its answers and threaded comments, and the caller's votes" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ForumContext<{ id: string }>): Promise<PostView> {
					return this.postView(ctx, ctx.params.id);
				}
			},

			updatePost: {
				rest: "PATCH /forum/posts/:id",
				permissions: ["authenticated"],
				needEntity: true,
				openapi: { summary: "Edit a post (its author, or anyone with the edit privilege); every edit is kept as a revision" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					title: { ...postParams.title, optional: true },
					body: { ...postParams.body, optional: true },
					tags: { ...postParams.tags, default: undefined, optional: true },
					instrument: postParams.instrument
				},
				async handler(ctx: ForumContext<Partial<PostFields> & { id: string }>): Promise<PostView> {
					const userId = ctx.meta.user!.id;
					const existing = ctx.locals.entity as PostRow;
					if (existing.status === "deleted") throw new ForumStateError("A deleted post cannot be edited", "ERR_POST_DELETED");
					const tags = ctx.params.tags ? checkTags(ctx.params.tags) : undefined;
					await this.ensureMember(ctx);
					// The post's media are its author's, whoever edits it; a new body must embed only what is ready.
					const media: MediaResolver = await this.embeddableMedia(ctx, ctx.params.body ?? existing.bodyMd, existing.authorId, { strict: ctx.params.body !== undefined });
					await this.inTransaction(async (query: Query) => {
						const post = (await lockPost(query, this.models, existing.id))!;
						const member = (await lockMember(query, this.models, userId))!;
						if (existing.authorId !== userId && !member.isModerator) this.requirePrivilege(member, "editOthers");
						const body = ctx.params.body ?? post.bodyMd;
						const title = ctx.params.title ?? post.title;
						await query(
							`UPDATE forum_posts SET title = :title, body_md = :body, body_html = :html, body_text = :text, tags = :tags::text[],
							   instrument = :instrument, revision = revision + 1, updated_at = now(), last_activity_at = now()
							 WHERE id = :id RETURNING id`,
							{
								id: post.id,
								title,
								body,
								html: renderMarkdown(body, "full", media),
								text: markdownToPlainText(body, MARKDOWN_MAX_CHARS),
								tags: `{${(tags ?? post.tags).join(",")}}`,
								instrument: ctx.params.instrument === undefined ? post.instrument : ctx.params.instrument
							}
						);
						await this.writeRevision(query, post.id, userId);
					});
					return this.postView(ctx, existing.id);
				}
			},

			deletePost: {
				rest: "DELETE /forum/posts/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Delete one's own post: it stays as a tombstone so that its replies keep their place; its reputation is reversed" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ForumContext<{ id: string }>): Promise<void> {
					await this.inTransaction(async (query: Query) => {
						await lockPost(query, this.models, ctx.params.id);
						await tombstone(query, "post", ctx.params.id);
					});
					ctx.meta.$statusCode = 204;
				}
			},

			listRevisions: {
				rest: "GET /forum/posts/:id/revisions",
				permissions: ["authenticated"],
				needEntity: true,
				openapi: { summary: "A post's revision history, newest first" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ForumContext<{ id: string }>) {
					const rows: Array<{ revision: number; editorId: string | null; title: string; bodyMd: string; tags: string[]; instrument: string | null; createdAt: Date }> = await this.queryAs(
						this.ownActor(ctx),
						`SELECT ${columnsOf(this.models.Revision, "r")} FROM forum_post_revisions r WHERE r.post_id = :id ORDER BY r.revision DESC`,
						{ id: ctx.params.id }
					);
					return rows.map(({ bodyMd, createdAt, ...revision }) => ({ ...revision, markdown: bodyMd, createdAt: iso(createdAt) }));
				}
			},

			createComment: {
				rest: "POST /forum/posts/:id/comments",
				permissions: ["authenticated"],
				needEntity: true,
				openapi: { summary: "Answer a post (no parentId) or reply to an answer or comment (threaded, 6 levels at most)" },
				params: { $$strict: true, id: { type: "uuid" }, body: { type: "string", min: 2, max: MARKDOWN_MAX_CHARS }, parentId: { type: "uuid", optional: true } },
				async handler(ctx: ForumContext<{ id: string; body: string; parentId?: string }>): Promise<CommentView> {
					const userId = ctx.meta.user!.id;
					const { body, parentId } = ctx.params;
					const stats = markdownStats(body);
					await this.ensureMember(ctx);
					// Only answers (the full profile) embed media; a reply renders a reference as text.
					const media: MediaResolver = parentId ? () => undefined : await this.embeddableMedia(ctx, body, userId, { strict: true });
					const created = await this.inTransaction(async (query: Query, transaction: Transaction) => {
						// Items before members, in every transaction: the lock order that keeps them from deadlocking.
						const post = (await lockPost(query, this.models, ctx.params.id))!;
						const member = await this.memberAllowedToPost(query, userId, "reply", stats);
						if (post.status !== "visible") throw new ForumStateError("This post takes no replies", "ERR_POST_CLOSED");
						const parent = parentId ? await lockComment(query, this.models, parentId) : undefined;
						if (parentId && (!parent || parent.postId !== post.id || parent.status !== "visible")) throw new NotFoundError("Comment", "ERR_COMMENT_NOT_FOUND");
						const depth = parent ? parent.depth + 1 : 1;
						if (depth > LIMITS.maxCommentDepth) throw new ForumStateError(`Replies nest ${LIMITS.maxCommentDepth} levels deep at most`, "ERR_THREAD_TOO_DEEP");
						// Comments on other people's posts need the privilege; one's own posts, and replies under them, do not.
						if (parent && post.authorId !== userId && parent.authorId !== userId && !member.isModerator) this.requirePrivilege(member, "commentEverywhere");
						const kind = parent ? "comment" : "answer";
						const status = needsReview(member, stats.links) ? "pending" : "visible";
						const comment = await single(query<{ id: string }>(
							`INSERT INTO forum_comments (post_id, parent_id, kind, depth, author_id, body_md, body_html, status)
							 VALUES (:postId, :parentId, :kind, :depth, :userId, :body, :html, :status) RETURNING id`,
							{ postId: post.id, parentId: parentId ?? null, kind, depth, userId, body, html: renderMarkdown(body, kind === "answer" ? "full" : "light", media), status }
						));
						await query(
							`UPDATE forum_posts SET last_activity_at = now(), answer_count = answer_count + :answers WHERE id = :postId RETURNING id`,
							{ postId: post.id, answers: kind === "answer" && status === "visible" ? 1 : 0 }
						);
						// The person replied to hears of it: recorded with the reply, sent once it is committed.
						const recipientId = parent ? parent.authorId : post.authorId;
						if (!recipientId || recipientId === userId) return { id: comment.id, post, announced: [] };
						const channel: DomainChannel = kind === "answer" ? "community.answered" : "community.commented";
						const payload =
							kind === "answer"
								? { postId: post.id, answerId: comment.id, authorId: userId, recipientId, title: post.title }
								: { postId: post.id, commentId: comment.id, authorId: userId, recipientId, title: post.title };
						const announced = await this.recordEvent(transaction, this.systemActor(), channel, payload as DomainEventPayloads[typeof channel]);
						return { id: comment.id, post, announced: [announced] };
					});
					await this.sendRecorded(created.announced);
					// An answer or comment is read as part of its post.
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/forum/posts/${created.post.id}`;
					const view: PostView = await this.postView(ctx, created.post.id);
					return findComment(view.comments, created.id)!;
				}
			},

			deleteComment: {
				rest: "DELETE /forum/comments/:id",
				permissions: ["$owner"],
				needEntity: true,
				entity: "comment",
				openapi: { summary: "Delete one's own answer or comment (a tombstone; its reputation is reversed)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ForumContext<{ id: string }>): Promise<void> {
					const comment = ctx.locals.entity as CommentRow;
					await this.inTransaction(async (query: Query) => {
						await lockPost(query, this.models, comment.postId);
						await tombstone(query, "comment", comment.id);
					});
					ctx.meta.$statusCode = 204;
				}
			},

			accept: {
				rest: "PUT /forum/posts/:id/accept/:answerId",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "The asker accepts one answer (+15 to its author, +2 to the asker); accepting another moves it" },
				params: { $$strict: true, id: { type: "uuid" }, answerId: { type: "uuid" } },
				async handler(ctx: ForumContext<{ id: string; answerId: string }>): Promise<PostView> {
					const userId = ctx.meta.user!.id;
					const accepted = await this.inTransaction(async (query: Query, transaction: Transaction) => {
						const post = (await lockPost(query, this.models, ctx.params.id))!;
						if (post.kind !== "question" || post.status !== "visible") throw new ForumStateError("Only an open question has an accepted answer", "ERR_NOT_A_QUESTION");
						const answer = await lockComment(query, this.models, ctx.params.answerId);
						if (!answer || answer.postId !== post.id || answer.kind !== "answer" || answer.status !== "visible") throw new NotFoundError("Answer", "ERR_ANSWER_NOT_FOUND");
						if (post.acceptedAnswerId === answer.id) return [];
						await query(`UPDATE forum_posts SET accepted_answer_id = :answerId, updated_at = now() WHERE id = :postId RETURNING id`, { answerId: answer.id, postId: post.id });
						const sourceKey = acceptSourceKey(post.id);
						// Accepting one's own answer earns nothing (Stack Overflow).
						const gains =
							answer.authorId && answer.authorId !== userId
								? [
										{ userId: answer.authorId, kind: "accepted" as const, amount: REPUTATION.accepted, itemType: "comment" as const, itemId: answer.id, sourceKey },
										{ userId, kind: "accept_given" as const, amount: REPUTATION.acceptGiven, itemType: "comment" as const, itemId: answer.id, sourceKey }
									]
								: [];
						await rewriteReputation(query, { sourceKey }, gains);
						if (!answer.authorId || answer.authorId === userId) return [];
						// Named by post and answer: accepting the same answer again after an un-accept is no new notice.
						const announced = await this.recordEvent(
							transaction,
							this.systemActor(),
							"community.accepted",
							{ postId: post.id, answerId: answer.id, authorId: userId, recipientId: answer.authorId, title: post.title },
							{ eventId: eventIdOf(`community.accepted:${post.id}:${answer.id}`) }
						);
						return [announced];
					});
					await this.sendRecorded(accepted);
					return this.postView(ctx, ctx.params.id);
				}
			},

			unaccept: {
				rest: "DELETE /forum/posts/:id/accept",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Withdraw the accepted answer (its reputation is reversed)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ForumContext<{ id: string }>): Promise<PostView> {
					await this.inTransaction(async (query: Query) => {
						await lockPost(query, this.models, ctx.params.id);
						await query(`UPDATE forum_posts SET accepted_answer_id = NULL, updated_at = now() WHERE id = :id RETURNING id`, { id: ctx.params.id });
						await rewriteReputation(query, { sourceKey: acceptSourceKey(ctx.params.id) }, []);
					});
					return this.postView(ctx, ctx.params.id);
				}
			},

			vote: {
				rest: "PUT /forum/votes/:itemType/:itemId",
				permissions: ["authenticated"],
				openapi: { summary: "Vote +1 or −1 on a post, answer or comment (one vote per person and item; voting again changes it)" },
				params: { $$strict: true, itemType: itemTypeParam, itemId: { type: "uuid" }, value: { type: "enum", values: [1, -1] } },
				async handler(ctx: ForumContext<{ itemType: ItemType; itemId: string; value: 1 | -1 }>): Promise<VoteResult> {
					await this.ensureMember(ctx);
					return this.castVote(ctx, ctx.params.itemType, ctx.params.itemId, ctx.params.value);
				}
			},

			retractVote: {
				rest: "DELETE /forum/votes/:itemType/:itemId",
				permissions: ["authenticated"],
				openapi: { summary: "Take one's vote back" },
				params: { $$strict: true, itemType: itemTypeParam, itemId: { type: "uuid" } },
				async handler(ctx: ForumContext<{ itemType: ItemType; itemId: string }>): Promise<VoteResult> {
					return this.castVote(ctx, ctx.params.itemType, ctx.params.itemId, 0);
				}
			},

			search: {
				rest: "GET /forum/search",
				permissions: ["authenticated"],
				openapi: { summary: "Full-text search, accent- and case-insensitive, with typo correction; ranked, with highlighted snippets (<mark>)" },
				params: { $$strict: true, q: { type: "string", trim: true, min: 1, max: 200 }, tag: { ...tagParam, optional: true }, limit: { type: "number", integer: true, convert: true, min: 1, max: 50, default: 20 } },
				async handler(ctx: ForumContext<{ q: string; tag?: string; limit: number }>): Promise<{ query: string; items: SearchHit[] }> {
					return searchPosts((sql, replacements) => this.queryAs(this.ownActor(ctx), sql, replacements), ctx.params);
				}
			},

			suggestTags: {
				rest: "GET /forum/tags",
				permissions: ["authenticated"],
				openapi: { summary: "Tags in use, most used first, optionally starting with q (for the ask form)" },
				params: { $$strict: true, q: { type: "string", trim: true, lowercase: true, max: LIMITS.maxTagLength, optional: true } },
				async handler(ctx: ForumContext<{ q?: string }>): Promise<Array<{ tag: string; posts: number }>> {
					return suggestTags((sql, replacements) => this.queryAs(this.ownActor(ctx), sql, replacements), ctx.params.q ?? "");
				}
			},

			preview: {
				rest: "POST /forum/preview",
				permissions: ["authenticated"],
				openapi: { summary: "Render markdown exactly as a post (full) or a comment (light) will be stored" },
				params: { $$strict: true, body: { type: "string", max: MARKDOWN_MAX_CHARS }, profile: { type: "enum", values: ["full", "light"], default: "full" } },
				async handler(ctx: ForumContext<{ body: string; profile: "full" | "light" }>): Promise<MarkdownPreview> {
					const userId = ctx.meta.user!.id;
					const media: MediaResolver = ctx.params.profile === "full" ? await this.embeddableMedia(ctx, ctx.params.body, userId, { strict: false, viewerId: userId }) : () => undefined;
					return { html: renderMarkdown(ctx.params.body, ctx.params.profile, media), ...markdownStats(ctx.params.body) };
				}
			},

			myStanding: {
				rest: "GET /forum/me",
				permissions: ["authenticated"],
				openapi: { summary: "The caller's reputation, privileges (with their thresholds) and latest reputation events" },
				async handler(ctx: ForumContext): Promise<ForumStanding> {
					const actor = this.ownActor(ctx);
					// One row even before the caller's first contribution makes them a member.
					const [standing]: Array<{ reputation: number | null; isModerator: boolean } | undefined> = await this.queryAs(
						actor,
						`SELECT (SELECT m.reputation FROM forum_members m WHERE m.user_id = :userId) AS reputation,
						   EXISTS (SELECT 1 FROM forum_moderators d WHERE d.user_id = :userId) AS "isModerator"`,
						{ userId: actor.userId }
					);
					const reputation = standing?.reputation ?? REPUTATION.floor;
					const events: Array<{ kind: string; applied: number; itemType: string | null; itemId: string | null; createdAt: Date }> = await this.queryAs(
						actor,
						`SELECT ${columnsOf(this.models.ReputationEvent, "e", ["kind", "applied", "itemType", "itemId", "createdAt"])}
						 FROM forum_reputation_events e WHERE e.user_id = :userId ORDER BY e.id DESC LIMIT 50`,
						{ userId: actor.userId }
					);
					return {
						reputation,
						isModerator: standing?.isModerator ?? false,
						privileges: Object.entries(PRIVILEGES).map(([name, threshold]) => ({ name, threshold, granted: privilegesOf(reputation)[name as Privilege] })),
						events: events.map((event) => ({ ...event, createdAt: iso(event.createdAt) }))
					};
				}
			},

			/** The cached reputation beside the ledger's; tests and operators compare them. */
			recomputeReputation: {
				visibility: "public",
				params: { userId: { type: "uuid" } },
				async handler(ctx: Context<{ userId: string }>) {
					return this.inTransaction((query: Query) => recomputeReputation(query, ctx.params.userId));
				}
			}
		},

		methods: {
			async inTransaction<T>(work: (query: Query, transaction: Transaction) => Promise<T>): Promise<T> {
				return this.asSystem((transaction: Transaction) => work(queryIn(this.sequelize, transaction), transaction));
			},

			/** The caller as a community member (name and account age from auth), made on first use. */
			async ensureMember(ctx: ForumContext): Promise<void> {
				const userId = ctx.meta.user!.id;
				const known = await this.queryAsSystem(`SELECT 1 FROM forum_members WHERE user_id = :userId`, { userId });
				if (known.length > 0) return;
				const [profile]: AccountProfile[] = await ctx.call("auth.profilesOf", { userIds: [userId] });
				if (!profile) throw new NotFoundError("Account", "ERR_USER_NOT_FOUND");
				await this.queryAsSystem(
					`INSERT INTO forum_members (user_id, display_name, account_created_at) VALUES (:userId, :name, :createdAt) ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
					{ userId, name: profile.name, createdAt: profile.createdAt }
				);
			},

			/** Locks the member and checks silence, bans and the new-user and daily limits: check and insert are one atomic step. */
			async memberAllowedToPost(query: Query, userId: string, what: "post" | "reply", stats: { links: number; images: number }): Promise<MemberRow> {
				const member = (await lockMember(query, this.models, userId))!;
				const now = new Date();
				if (member.bannedAt) throw new SilencedError(null);
				if (member.silencedUntil && new Date(member.silencedUntil) > now) throw new SilencedError(new Date(member.silencedUntil));
				const table = what === "post" ? "forum_posts" : "forum_comments";
				const recent = await single(query<{ lastDay: number; latestAt: Date | null }>(
					`SELECT count(*)::int AS "lastDay", max(created_at) AS "latestAt" FROM ${table} WHERE author_id = :userId AND created_at > now() - interval '1 day'`,
					{ userId }
				));
				const problem = postingProblem(what, { ...member, accountCreatedAt: new Date(member.accountCreatedAt) }, { lastDay: recent.lastDay, latestAt: recent.latestAt && new Date(recent.latestAt) }, stats, now);
				if (problem) throw new PostingLimitError(problem);
				return member;
			},

			/**
			 * What a text by `authorId` embeds: the author's own media, ready, looked up in the media
			 * service. Storing is strict (422 ERR_MEDIA_NOT_FOUND for another's, a deleted or an unknown
			 * id; ERR_MEDIA_NOT_READY while processing or failed); reading and previewing render
			 * "[media removed]" instead. With a viewer the addresses are signed for them (read time);
			 * without, they are the unsigned ones a stored rendering holds.
			 */
			async embeddableMedia(ctx: ForumContext, body: string, authorId: string | null, options: { strict: boolean; viewerId?: string }): Promise<MediaResolver> {
				const ids = mediaReferences(body);
				const found: Record<string, ForumMediaFacts> = await this.mediaFacts(ctx, ids, options.viewerId);
				if (options.strict) {
					for (const id of ids) {
						const media = found[id];
						if (!media || media.ownerId !== authorId) throw new MediaReferenceError(id, "ERR_MEDIA_NOT_FOUND");
						if (!media.embed) throw new MediaReferenceError(id, "ERR_MEDIA_NOT_READY", media.state);
					}
				}
				return embedsOf(found, authorId);
			},

			async mediaFacts(ctx: ForumContext, ids: readonly string[], viewerId: string | undefined): Promise<Record<string, ForumMediaFacts>> {
				const found: Record<string, ForumMediaFacts> = {};
				for (let at = 0; at < ids.length; at += MEDIA_LOOKUP_BATCH) {
					Object.assign(found, await ctx.call("media.forumMediaByIds", { ids: ids.slice(at, at + MEDIA_LOOKUP_BATCH), viewerId }));
				}
				return found;
			},

			/**
			 * A post and its answers as the reader sees them: what embeds media is rendered again with
			 * links signed for the reader (stored HTML never holds a signature, and media deleted since
			 * show "[media removed]"). Only texts with a reference are rendered again.
			 */
			async withReadersMedia(ctx: ForumContext, post: PostRow, comments: CommentRow[]): Promise<void> {
				const embedding = [post, ...comments.filter((comment) => comment.kind === "answer")].filter((item) => item.status !== "deleted" && item.bodyMd.includes("](media:"));
				const references = embedding.map((item) => [item, mediaReferences(item.bodyMd)] as const).filter(([, ids]) => ids.length > 0);
				if (references.length === 0) return;
				const found = await this.mediaFacts(ctx, [...new Set(references.flatMap(([, ids]) => ids))], ctx.meta.user!.id);
				for (const [item] of references) item.bodyHtml = renderMarkdown(item.bodyMd, "full", embedsOf(found, item.authorId));
			},

			requirePrivilege(member: MemberRow, privilege: Privilege): void {
				if (member.reputation < PRIVILEGES[privilege]) throw new PrivilegeRequiredError(privilege, PRIVILEGES[privilege], member.reputation);
			},

			async writeRevision(query: Query, postId: string, editorId: string): Promise<void> {
				await query(
					`INSERT INTO forum_post_revisions (post_id, revision, editor_id, title, body_md, tags, instrument)
					 SELECT id, revision, :editorId, title, body_md, tags, instrument FROM forum_posts WHERE id = :postId RETURNING post_id`,
					{ postId, editorId }
				);
			},

			/**
			 * One vote as one transaction: the item's row is locked first, so votes on one item queue
			 * behind each other; the vote is an upsert on (user, item); the score moves by the
			 * difference in the same statement order; the reputation it gave is rewritten.
			 * `value` 0 retracts.
			 */
			async castVote(ctx: ForumContext, itemType: ItemType, itemId: string, value: -1 | 0 | 1): Promise<VoteResult> {
				const userId = ctx.meta.user!.id;
				return this.inTransaction(async (query: Query) => {
					const item = itemType === "post" ? await lockPost(query, this.models, itemId) : await lockComment(query, this.models, itemId);
					if (!item || (item.status !== "visible" && item.authorId !== userId)) throw new NotFoundError(itemType === "post" ? "Post" : "Comment", "ERR_ITEM_NOT_FOUND");
					if (item.status !== "visible") throw new ForumStateError("This cannot be voted on", "ERR_NOT_VOTABLE");
					if (item.authorId === userId) throw new SelfVoteError();
					if (value !== 0) {
						// Read, not locked: the members' rows are locked later, all together, in one order.
						const [voter] = await query<MemberRow>(`SELECT reputation FROM forum_members WHERE user_id = :userId`, { userId });
						this.requirePrivilege(voter ?? ({ reputation: REPUTATION.floor } as MemberRow), value > 0 ? "upvote" : "downvote");
					}
					const [previous] = await query<{ value: number }>(
						`SELECT value FROM forum_votes WHERE user_id = :userId AND item_type = :itemType AND item_id = :itemId`,
						{ userId, itemType, itemId }
					);
					const before = previous?.value ?? 0;
					if (before === value) return { score: item.score, myVote: value };
					if (value === 0) {
						await query(`DELETE FROM forum_votes WHERE user_id = :userId AND item_type = :itemType AND item_id = :itemId RETURNING value`, { userId, itemType, itemId });
					} else {
						await query(
							`INSERT INTO forum_votes (user_id, item_type, item_id, value) VALUES (:userId, :itemType, :itemId, :value)
							 ON CONFLICT (user_id, item_type, item_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now() RETURNING value`,
							{ userId, itemType, itemId, value }
						);
					}
					const table = itemType === "post" ? "forum_posts" : "forum_comments";
					const { score } = await single(query<{ score: number }>(`UPDATE ${table} SET score = score + :delta WHERE id = :itemId RETURNING score`, { delta: value - before, itemId }));
					const itemKind = itemType === "post" ? "post" : (item as CommentRow).kind;
					const gains = value === 0 ? [] : voteGains({ voterId: userId, itemType, itemId, itemKind, authorId: item.authorId, value });
					await rewriteReputation(query, { sourceKey: voteSourceKey(userId, itemType, itemId) }, gains);
					return { score, myVote: value };
				});
			},

			async postView(ctx: ForumContext, postId: string): Promise<PostView> {
				const actor = this.ownActor(ctx);
				const models: CommunityModels = this.models;
				const [post]: Array<PostRow & AuthorColumns & { myVote: number } | undefined> = await this.queryAs(
					actor,
					`SELECT ${columnsOf(models.Post, "p")}, ${AUTHOR_COLUMNS},
					   coalesce((SELECT v.value FROM forum_votes v WHERE v.user_id = :userId AND v.item_type = 'post' AND v.item_id = p.id), 0) AS "myVote"
					 FROM forum_posts p LEFT JOIN forum_members m ON m.user_id = p.author_id WHERE p.id = :postId`,
					{ postId, userId: actor.userId }
				);
				if (!post) throw new NotFoundError("Post", "ERR_POST_NOT_FOUND");
				const comments: Array<CommentRow & AuthorColumns & { myVote: number }> = await this.queryAs(
					actor,
					`SELECT ${columnsOf(models.Comment, "c")}, ${AUTHOR_COLUMNS}, coalesce(v.value, 0) AS "myVote"
					 FROM forum_comments c LEFT JOIN forum_members m ON m.user_id = c.author_id
					 LEFT JOIN forum_votes v ON v.user_id = :userId AND v.item_type = 'comment' AND v.item_id = c.id
					 WHERE c.post_id = :postId ORDER BY c.score DESC, c.created_at, c.id`,
					{ postId, userId: actor.userId }
				);
				await this.withReadersMedia(ctx, post, comments);
				const summary = headerOf(post);
				return {
					...summary,
					author: post.status === "deleted" ? null : summary.author,
					html: shown(post, post.bodyHtml),
					markdown: shown(post, post.bodyMd),
					revision: post.revision,
					acceptedAnswerId: post.acceptedAnswerId,
					myVote: post.myVote,
					updatedAt: iso(post.updatedAt),
					comments: threadOf(comments, post.acceptedAnswerId)
				};
			},

			/** The post (or, for `entity: "comment"`, the comment) as the caller may read it. */
			async findEntity(ctx: ForumContext<{ id: string }>): Promise<PostRow | CommentRow> {
				const models: CommunityModels = this.models;
				const isComment = (ctx.action as { entity?: string } | undefined)?.entity === "comment";
				const [row]: Array<PostRow | CommentRow | undefined> = await this.queryAs(
					this.ownActor(ctx),
					isComment
						? `SELECT ${columnsOf(models.Comment, "c")} FROM forum_comments c WHERE c.id = :id`
						: `SELECT ${columnsOf(models.Post, "p")} FROM forum_posts p WHERE p.id = :id`,
					{ id: ctx.params.id }
				);
				if (!row) throw isComment ? new NotFoundError("Comment", "ERR_COMMENT_NOT_FOUND") : new NotFoundError("Post", "ERR_POST_NOT_FOUND");
				return row;
			},

			isEntityOwner(ctx: ForumContext): boolean {
				return (ctx.locals.entity as PostRow | CommentRow).authorId === ctx.meta.user!.id;
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const models: CommunityModels = this.models;
				const tables: Record<string, object[]> = {};
				const sources: Array<[string, string, string]> = [
					["forum_members", columnsOf(models.Member, "t"), "t.user_id"],
					["forum_moderators", columnsOf(models.Moderator, "t"), "t.user_id"],
					["forum_posts", columnsOf(models.Post, "t"), "t.author_id"],
					["forum_comments", columnsOf(models.Comment, "t"), "t.author_id"],
					["forum_post_revisions", columnsOf(models.Revision, "t"), "t.editor_id"],
					["forum_votes", columnsOf(models.Vote, "t"), "t.user_id"],
					["forum_reputation_events", columnsOf(models.ReputationEvent, "t"), "t.user_id"],
					["forum_flags", columnsOf(models.Flag, "t"), "t.flagger_id"]
				];
				for (const [table, columns, owner] of sources) {
					tables[table] = await this.queryAsSystem(`SELECT ${columns} FROM ${table} t WHERE ${owner} = :userId`, { userId });
				}
				return { tables };
			},

			/**
			 * Purge: the person's posts, answers and comments stay as anonymous tombstones (no author, no
			 * words) so that other people's replies keep their place; their votes are withdrawn (scores
			 * and the reputation those votes gave are corrected); their revisions, flags, ledger and
			 * membership are deleted; the moderation log forgets their id.
			 */
			async purgePersonalData(event: { userId: string }): Promise<void> {
				const { userId } = event;
				await this.inTransaction(async (query: Query) => {
					const votes = await query<{ itemType: ItemType; itemId: string }>(
						`SELECT item_type AS "itemType", item_id AS "itemId" FROM forum_votes WHERE user_id = :userId ORDER BY item_type, item_id`,
						{ userId }
					);
					for (const vote of votes) {
						const table = vote.itemType === "post" ? "forum_posts" : "forum_comments";
						await query(`SELECT id FROM ${table} WHERE id = :itemId FOR UPDATE`, { itemId: vote.itemId });
						const [removed] = await query<{ value: number }>(
							`DELETE FROM forum_votes WHERE user_id = :userId AND item_type = :itemType AND item_id = :itemId RETURNING value`,
							{ userId, ...vote }
						);
						if (removed) await query(`UPDATE ${table} SET score = score - :value WHERE id = :itemId RETURNING id`, { value: removed.value, itemId: vote.itemId });
						await rewriteReputation(query, { sourceKey: voteSourceKey(userId, vote.itemType, vote.itemId) }, []);
					}
					await query(
						`UPDATE forum_posts SET author_id = NULL, title = '', body_md = '', body_html = '', body_text = '', status = 'deleted', deleted_at = coalesce(deleted_at, now())
						 WHERE author_id = :userId RETURNING id`,
						{ userId }
					);
					await query(
						`UPDATE forum_comments SET author_id = NULL, body_md = '', body_html = '', status = 'deleted', deleted_at = coalesce(deleted_at, now())
						 WHERE author_id = :userId RETURNING id`,
						{ userId }
					);
					await query(`DELETE FROM forum_post_revisions WHERE editor_id = :userId RETURNING post_id`, { userId });
					await query(`DELETE FROM forum_flags WHERE flagger_id = :userId RETURNING id`, { userId });
					await query(`DELETE FROM forum_reputation_events WHERE user_id = :userId RETURNING id`, { userId });
					await query(
						`UPDATE forum_moderation_log SET moderator_id = CASE WHEN moderator_id = :userId THEN NULL ELSE moderator_id END,
						   target_user_id = CASE WHEN target_user_id = :userId THEN NULL ELSE target_user_id END
						 WHERE moderator_id = :userId OR target_user_id = :userId RETURNING id`,
						{ userId }
					);
					await query(`DELETE FROM forum_moderators WHERE user_id = :userId RETURNING user_id`, { userId });
					await query(`DELETE FROM forum_members WHERE user_id = :userId RETURNING user_id`, { userId });
				});
			}
		}
	};
}

/** The media service answers this many ids per call. */
const MEDIA_LOOKUP_BATCH = 100;

/** A resolver embedding only what is ready and the author's own: another member's id in someone's text stays "[media removed]". */
function embedsOf(found: Record<string, ForumMediaFacts>, authorId: string | null): MediaResolver {
	return (mediaId: string): EmbeddableMedia | undefined => {
		const media = found[mediaId];
		return media && authorId !== null && media.ownerId === authorId ? (media.embed ?? undefined) : undefined;
	};
}

function findComment(comments: CommentView[], id: string): CommentView | undefined {
	for (const comment of comments) {
		if (comment.id === id) return comment;
		const found = findComment(comment.replies, id);
		if (found) return found;
	}
	return undefined;
}

/**
 * The feeds' statements. Hot is Lemmy's rank, log(max(1, 3 + score)) / (hours + 2)^1.8 (rules.ts
 * hotRank), stored in forum_post_ranks for the visible posts of the last HOT_WINDOW_DAYS
 * (migrations/0016; community-ranks ranks them again every minute): the feed walks its index and
 * reads the page's posts only.
 */
function feedQuery(models: CommunityModels, feed: Feed, byTag: boolean): string {
	const conditions = ["p.status = 'visible'"];
	if (byTag) conditions.push("p.tags @> ARRAY[:tag]::text[]");
	let order: string;
	switch (feed) {
		case "hot":
			conditions.push("r.created_at > now() - make_interval(days => :hotDays)");
			order = "r.hot_rank DESC, r.created_at DESC";
			break;
		case "new":
			order = "p.created_at DESC, p.id DESC";
			break;
		case "top":
			conditions.push("(CAST(:periodDays AS integer) IS NULL OR p.created_at > now() - make_interval(days => CAST(:periodDays AS integer)))");
			order = "p.score DESC, p.created_at DESC";
			break;
		case "unanswered":
			conditions.push("p.kind = 'question'", "p.answer_count = 0");
			order = "p.created_at DESC";
			break;
	}
	const from = feed === "hot" ? "forum_post_ranks r JOIN forum_posts p ON p.id = r.post_id" : "forum_posts p";
	return `SELECT ${columnsOf(models.Post, "p")}, ${AUTHOR_COLUMNS}
		FROM ${from} LEFT JOIN forum_members m ON m.user_id = p.author_id
		WHERE ${conditions.join(" AND ")} ORDER BY ${order} LIMIT :limit OFFSET :offset`;
}
