import { DataTypes, type Sequelize } from "sequelize";
import type { ForumItemStatus as ItemStatus } from "../../contracts/community";

/**
 * The community's tables (migrations/0009-community.ts, 0016), declared once for both community
 * services. Queries that a builder cannot say (row locks, ON CONFLICT, text search) select their
 * columns through `columnsOf`, so each column's name and alias live here only.
 */
export function defineCommunityModels(sequelize: Sequelize) {
	const Post = sequelize.define(
		"ForumPost",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			authorId: { type: DataTypes.UUID },
			kind: { type: DataTypes.TEXT, allowNull: false },
			title: { type: DataTypes.TEXT, allowNull: false },
			bodyMd: { type: DataTypes.TEXT, allowNull: false },
			bodyHtml: { type: DataTypes.TEXT, allowNull: false },
			bodyText: { type: DataTypes.TEXT, allowNull: false },
			tags: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
			instrument: { type: DataTypes.TEXT },
			status: { type: DataTypes.TEXT, allowNull: false },
			score: { type: DataTypes.INTEGER, allowNull: false },
			answerCount: { type: DataTypes.INTEGER, allowNull: false },
			acceptedAnswerId: { type: DataTypes.UUID },
			flagWeight: { type: DataTypes.DECIMAL, allowNull: false },
			revision: { type: DataTypes.INTEGER, allowNull: false },
			deletedAt: { type: DataTypes.DATE },
			lastActivityAt: { type: DataTypes.DATE, allowNull: false }
		},
		{ tableName: "forum_posts" }
	);
	const Comment = sequelize.define(
		"ForumComment",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			postId: { type: DataTypes.UUID, allowNull: false },
			parentId: { type: DataTypes.UUID },
			kind: { type: DataTypes.TEXT, allowNull: false },
			depth: { type: DataTypes.SMALLINT, allowNull: false },
			authorId: { type: DataTypes.UUID },
			bodyMd: { type: DataTypes.TEXT, allowNull: false },
			bodyHtml: { type: DataTypes.TEXT, allowNull: false },
			status: { type: DataTypes.TEXT, allowNull: false },
			score: { type: DataTypes.INTEGER, allowNull: false },
			flagWeight: { type: DataTypes.DECIMAL, allowNull: false },
			deletedAt: { type: DataTypes.DATE }
		},
		{ tableName: "forum_comments" }
	);
	const Revision = sequelize.define(
		"ForumPostRevision",
		{
			postId: { type: DataTypes.UUID, primaryKey: true },
			revision: { type: DataTypes.INTEGER, primaryKey: true },
			editorId: { type: DataTypes.UUID },
			title: { type: DataTypes.TEXT, allowNull: false },
			bodyMd: { type: DataTypes.TEXT, allowNull: false },
			tags: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
			instrument: { type: DataTypes.TEXT }
		},
		{ tableName: "forum_post_revisions", updatedAt: false }
	);
	const Member = sequelize.define(
		"ForumMember",
		{
			userId: { type: DataTypes.UUID, primaryKey: true },
			displayName: { type: DataTypes.TEXT, allowNull: false },
			accountCreatedAt: { type: DataTypes.DATE, allowNull: false },
			reputation: { type: DataTypes.INTEGER, allowNull: false },
			silencedUntil: { type: DataTypes.DATE },
			bannedAt: { type: DataTypes.DATE }
		},
		{ tableName: "forum_members" }
	);
	const Moderator = sequelize.define(
		"ForumModerator",
		{ userId: { type: DataTypes.UUID, primaryKey: true }, grantedBy: { type: DataTypes.TEXT, allowNull: false }, grantedAt: { type: DataTypes.DATE } },
		{ tableName: "forum_moderators", timestamps: false }
	);
	const Vote = sequelize.define(
		"ForumVote",
		{
			userId: { type: DataTypes.UUID, primaryKey: true },
			itemType: { type: DataTypes.TEXT, primaryKey: true },
			itemId: { type: DataTypes.UUID, primaryKey: true },
			value: { type: DataTypes.SMALLINT, allowNull: false }
		},
		{ tableName: "forum_votes" }
	);
	const ReputationEvent = sequelize.define(
		"ForumReputationEvent",
		{
			id: { type: DataTypes.BIGINT, primaryKey: true },
			userId: { type: DataTypes.UUID, allowNull: false },
			kind: { type: DataTypes.TEXT, allowNull: false },
			amount: { type: DataTypes.INTEGER, allowNull: false },
			applied: { type: DataTypes.INTEGER, allowNull: false },
			itemType: { type: DataTypes.TEXT },
			itemId: { type: DataTypes.UUID },
			sourceKey: { type: DataTypes.TEXT, allowNull: false },
			reversesId: { type: DataTypes.BIGINT }
		},
		{ tableName: "forum_reputation_events", updatedAt: false }
	);
	const Flag = sequelize.define(
		"ForumFlag",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			itemType: { type: DataTypes.TEXT, allowNull: false },
			itemId: { type: DataTypes.UUID, allowNull: false },
			flaggerId: { type: DataTypes.UUID, allowNull: false },
			reason: { type: DataTypes.TEXT, allowNull: false },
			note: { type: DataTypes.TEXT, allowNull: false },
			weight: { type: DataTypes.DECIMAL, allowNull: false },
			resolution: { type: DataTypes.TEXT },
			resolvedAt: { type: DataTypes.DATE }
		},
		{ tableName: "forum_flags", updatedAt: false }
	);
	const ModerationEntry = sequelize.define(
		"ForumModerationEntry",
		{
			id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
			moderatorId: { type: DataTypes.UUID },
			action: { type: DataTypes.TEXT, allowNull: false },
			itemType: { type: DataTypes.TEXT },
			itemId: { type: DataTypes.UUID },
			targetUserId: { type: DataTypes.UUID },
			note: { type: DataTypes.TEXT, allowNull: false }
		},
		{ tableName: "forum_moderation_log", updatedAt: false }
	);
	// Filled by triggers on forum_posts (migrations/0016): the words of visible posts, with how many hold each.
	const Word = sequelize.define(
		"ForumWord",
		{ word: { type: DataTypes.TEXT, primaryKey: true }, posts: { type: DataTypes.INTEGER, allowNull: false } },
		{ tableName: "forum_words", timestamps: false }
	);
	// The hot feed's stored ranks (migrations/0016): visible posts of the hot window, with the score and age they were ranked from.
	const PostRank = sequelize.define(
		"ForumPostRank",
		{
			postId: { type: DataTypes.UUID, primaryKey: true },
			score: { type: DataTypes.INTEGER, allowNull: false },
			createdAt: { type: DataTypes.DATE, allowNull: false },
			hotRank: { type: DataTypes.DOUBLE, allowNull: false },
			rankedAt: { type: DataTypes.DATE, allowNull: false }
		},
		{ tableName: "forum_post_ranks", timestamps: false }
	);
	return { primary: Post, Post, Comment, Revision, Member, Moderator, Vote, ReputationEvent, Flag, ModerationEntry, Word, PostRank };
}

export type CommunityModels = ReturnType<typeof defineCommunityModels>;

export { columnsOf } from "../../lib/db/columns";

export interface PostRow {
	id: string;
	authorId: string | null;
	kind: "question" | "discussion";
	title: string;
	bodyMd: string;
	bodyHtml: string;
	bodyText: string;
	tags: string[];
	instrument: string | null;
	status: ItemStatus;
	score: number;
	answerCount: number;
	acceptedAnswerId: string | null;
	revision: number;
	deletedAt: Date | null;
	lastActivityAt: Date;
	createdAt: Date;
	updatedAt: Date;
}

export interface CommentRow {
	id: string;
	postId: string;
	parentId: string | null;
	kind: "answer" | "comment";
	depth: number;
	authorId: string | null;
	bodyMd: string;
	bodyHtml: string;
	status: ItemStatus;
	score: number;
	deletedAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

export type { ItemStatus };

export interface MemberRow {
	userId: string;
	displayName: string;
	accountCreatedAt: Date;
	reputation: number;
	silencedUntil: Date | null;
	bannedAt: Date | null;
	isModerator: boolean;
}
