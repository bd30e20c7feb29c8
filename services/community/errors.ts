import { EtudeClientError, ForbiddenError } from "../../lib/errors";
import type { LimitProblem, Privilege } from "./rules";

/** The caller's reputation is below what the action needs (rules.ts, PRIVILEGES). */
export class PrivilegeRequiredError extends ForbiddenError {
	constructor(privilege: Privilege, needed: number, reputation: number) {
		super(`This needs ${needed} reputation (${privilege}); you have ${reputation}`, "ERR_PRIVILEGE_REQUIRED");
		this.data = { privilege, needed, reputation };
	}
}

export class SelfVoteError extends ForbiddenError {
	constructor() {
		super("You cannot vote on your own post", "ERR_SELF_VOTE");
	}
}

export class SilencedError extends ForbiddenError {
	constructor(until: Date | null) {
		super(until ? `You cannot post until ${until.toISOString()}` : "You cannot post in the community", "ERR_SILENCED");
		this.data = { until: until?.toISOString() ?? null };
	}
}

const LIMIT_MESSAGES: Record<LimitProblem["code"], string> = {
	ERR_TOO_MANY_LINKS: "New members may put only a few links in a post",
	ERR_TOO_MANY_IMAGES: "New members may put only one image in a post",
	ERR_POSTING_TOO_FAST: "Please wait a little before posting again",
	ERR_DAILY_LIMIT: "You have reached today's limit for posting"
};

/** A new-user or daily limit: 422 for content, 429 for timing. */
export class PostingLimitError extends EtudeClientError {
	constructor(problem: LimitProblem) {
		const status = problem.code === "ERR_TOO_MANY_LINKS" || problem.code === "ERR_TOO_MANY_IMAGES" ? 422 : 429;
		super(LIMIT_MESSAGES[problem.code], status, problem.code, problem);
	}
}

/** The action does not fit the item's state (accepting on a discussion, replying to a deleted post, too deep). */
export class ForumStateError extends EtudeClientError {
	constructor(message: string, code: string) {
		super(message, 409, code);
	}
}

/** A post or answer embeds media its author cannot embed: none of theirs by that id (or gone), or not processed yet. */
export class MediaReferenceError extends EtudeClientError {
	constructor(mediaId: string, code: "ERR_MEDIA_NOT_FOUND" | "ERR_MEDIA_NOT_READY", state?: string) {
		super(
			code === "ERR_MEDIA_NOT_FOUND" ? "This post embeds media you have not uploaded (or that was deleted)" : "This post embeds media that is still being processed (or failed); wait for it or upload it again",
			422,
			code,
			{ mediaId, ...(state && { state }) }
		);
	}
}
