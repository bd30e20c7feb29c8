/**
 * The community's rules in one place, with the published figures they come from: Stack Overflow's
 * privilege thresholds and reputation rules, Discourse's new-user and first-day limits, Discourse's
 * flag weights, Lemmy's hot rank. The services check them on the server when the action happens.
 */

/** Reputation needed for each privilege (Stack Overflow's thresholds). */
export const PRIVILEGES = {
	/** Below this a member is a new user: link and image limits, waits between posts, first posts with links reviewed. */
	noNewUserLimits: 10,
	upvote: 15,
	flag: 15,
	/** Comment on other people's posts (one's own posts and the answers to one's questions need none). */
	commentEverywhere: 50,
	downvote: 125,
	editOthers: 2000
} as const;

export type Privilege = keyof typeof PRIVILEGES;

export function privilegesOf(reputation: number): Record<Privilege, boolean> {
	return Object.fromEntries(Object.entries(PRIVILEGES).map(([name, threshold]) => [name, reputation >= threshold])) as Record<Privilege, boolean>;
}

/** What each kind of ledger event gives (Stack Overflow). */
export const REPUTATION = {
	upvoted: 10,
	downvoted: -2,
	/** Casting a downvote on an answer; downvoting a question is free. */
	downvoteCast: -1,
	accepted: 15,
	acceptGiven: 2,
	/** Gains of these kinds count toward the daily cap; accepts are exempt. */
	dailyCap: 200,
	cappedKinds: ["upvoted"] as readonly string[],
	floor: 1
} as const;

/** New-user limits (Discourse's TL0 and first-day figures). */
export const LIMITS = {
	newUserLinksPerPost: 2,
	newUserImagesPerPost: 1,
	newUserSecondsBetweenPosts: 120,
	newUserSecondsBetweenReplies: 30,
	/** For an account younger than a day that is still a new user. */
	firstDayPosts: 3,
	firstDayReplies: 10,
	/** For everyone. */
	postsPerDay: 20,
	repliesPerDay: 200,
	maxTags: 5,
	maxTagLength: 20,
	maxCommentDepth: 6
} as const;

export interface MemberStanding {
	reputation: number;
	accountCreatedAt: Date;
	isModerator: boolean;
}

export interface RecentActivity {
	/** Posts (or replies) in the last 24 hours. */
	lastDay: number;
	/** When the latest one was made, if any. */
	latestAt: Date | null;
}

export type LimitProblem =
	| { code: "ERR_TOO_MANY_LINKS"; limit: number }
	| { code: "ERR_TOO_MANY_IMAGES"; limit: number }
	| { code: "ERR_POSTING_TOO_FAST"; retryAfterSeconds: number }
	| { code: "ERR_DAILY_LIMIT"; limit: number };

export function isNewUser(member: MemberStanding): boolean {
	return !member.isModerator && member.reputation < PRIVILEGES.noNewUserLimits;
}

function isFirstDay(member: MemberStanding, now: Date): boolean {
	return now.getTime() - member.accountCreatedAt.getTime() < 86_400_000;
}

/**
 * Whether a member may publish this now. Called under a lock on the member's row, with the
 * counts read in the same transaction, so that the check and the insert are one atomic step.
 */
export function postingProblem(
	what: "post" | "reply",
	member: MemberStanding,
	recent: RecentActivity,
	content: { links: number; images: number },
	now: Date
): LimitProblem | null {
	if (member.isModerator) return null;
	const newUser = isNewUser(member);
	if (newUser && content.links > LIMITS.newUserLinksPerPost) return { code: "ERR_TOO_MANY_LINKS", limit: LIMITS.newUserLinksPerPost };
	if (newUser && content.images > LIMITS.newUserImagesPerPost) return { code: "ERR_TOO_MANY_IMAGES", limit: LIMITS.newUserImagesPerPost };
	const dailyLimit =
		newUser && isFirstDay(member, now)
			? what === "post" ? LIMITS.firstDayPosts : LIMITS.firstDayReplies
			: what === "post" ? LIMITS.postsPerDay : LIMITS.repliesPerDay;
	if (recent.lastDay >= dailyLimit) return { code: "ERR_DAILY_LIMIT", limit: dailyLimit };
	if (newUser && recent.latestAt) {
		const wait = what === "post" ? LIMITS.newUserSecondsBetweenPosts : LIMITS.newUserSecondsBetweenReplies;
		const elapsed = (now.getTime() - recent.latestAt.getTime()) / 1000;
		if (elapsed < wait) return { code: "ERR_POSTING_TOO_FAST", retryAfterSeconds: Math.ceil(wait - elapsed) };
	}
	return null;
}

/** A new user's first posts with links wait for a moderator (Discourse's first-post review). */
export function needsReview(member: MemberStanding, links: number): boolean {
	return isNewUser(member) && links > 0;
}

/** Lower-case tags, trimmed, inner spaces as dashes, without repeats. */
export function normaliseTags(tags: readonly string[]): string[] {
	return [...new Set(tags.map((tag) => tag.normalize("NFC").trim().toLowerCase().replace(/\s+/g, "-")).filter((tag) => tag.length > 0))];
}

export const TAG_PATTERN = /^[\p{Ll}\p{Nd}][\p{Ll}\p{Nd}+#♯♭.-]*$/u;

/**
 * A flag's weight from the flagger's standing (Discourse: 1 + trust level, staff 5): one more per
 * order of magnitude of reputation, up to 4 from 1000 on; a moderator's flag weighs 5.
 */
export function flagWeight(member: MemberStanding): number {
	if (member.isModerator) return 5;
	return 1 + Math.min(3, Math.floor(Math.log10(Math.max(1, member.reputation))));
}

/** Open flags weighing this much together hide a post or comment until a moderator decides. */
export const HIDE_THRESHOLD = 5;

/**
 * Lemmy's rank: log(max(1, 3 + score)) / (hours + 2)^1.8. The stored ranks are computed by the same
 * formula in SQL (`forum_hot_rank`, migrations/0016); this one is for tests and the README.
 */
export function hotRank(score: number, ageHours: number): number {
	return Math.log(Math.max(1, 3 + score)) / Math.pow(ageHours + 2, 1.8);
}

/** Hot looks at the last this many days (the rank of anything older is nearly zero); 0016's `forum_hot_window()` says the same (tested). */
export const HOT_WINDOW_DAYS = 30;
