import { describe, expect, it } from "vitest";
import { foldLedger, voteGains, type LedgerEntry } from "./reputation";
import { HIDE_THRESHOLD, flagWeight, hotRank, normaliseTags, postingProblem, privilegesOf } from "./rules";

const now = new Date("2026-12-01T12:00:00Z");
const established = { reputation: 500, accountCreatedAt: new Date("2026-01-01T00:00:00Z"), isModerator: false };
const newcomer = { reputation: 1, accountCreatedAt: new Date(now.getTime() - 3_600_000), isModerator: false };
const quiet = { lastDay: 0, latestAt: null };

describe("privileges", () => {
	it("follows Stack Overflow's thresholds: 124 cannot downvote, 125 can", () => {
		expect(privilegesOf(124)).toMatchObject({ upvote: true, flag: true, commentEverywhere: true, downvote: false, editOthers: false });
		expect(privilegesOf(125).downvote).toBe(true);
		expect(privilegesOf(14)).toMatchObject({ upvote: false, flag: false });
	});
});

describe("posting limits", () => {
	it("allows a new user two links and one image per post", () => {
		expect(postingProblem("post", newcomer, quiet, { links: 2, images: 1 }, now)).toBeNull();
		expect(postingProblem("post", newcomer, quiet, { links: 3, images: 0 }, now)).toMatchObject({ code: "ERR_TOO_MANY_LINKS" });
		expect(postingProblem("post", newcomer, quiet, { links: 0, images: 2 }, now)).toMatchObject({ code: "ERR_TOO_MANY_IMAGES" });
		expect(postingProblem("post", established, quiet, { links: 30, images: 5 }, now)).toBeNull();
	});

	it("keeps a new user waiting between posts and to three topics and ten replies on the first day", () => {
		const justPosted = { lastDay: 1, latestAt: new Date(now.getTime() - 60_000) };
		expect(postingProblem("post", newcomer, justPosted, { links: 0, images: 0 }, now)).toEqual({ code: "ERR_POSTING_TOO_FAST", retryAfterSeconds: 60 });
		expect(postingProblem("reply", newcomer, justPosted, { links: 0, images: 0 }, now)).toBeNull();
		const busy = { lastDay: 3, latestAt: new Date(now.getTime() - 3_600_000) };
		expect(postingProblem("post", newcomer, busy, { links: 0, images: 0 }, now)).toEqual({ code: "ERR_DAILY_LIMIT", limit: 3 });
		expect(postingProblem("reply", newcomer, { lastDay: 10, latestAt: null }, { links: 0, images: 0 }, now)).toEqual({ code: "ERR_DAILY_LIMIT", limit: 10 });
		expect(postingProblem("post", established, busy, { links: 0, images: 0 }, now)).toBeNull();
		expect(postingProblem("post", established, { lastDay: 20, latestAt: null }, { links: 0, images: 0 }, now)).toEqual({ code: "ERR_DAILY_LIMIT", limit: 20 });
	});
});

describe("tags, flags and hot rank", () => {
	it("lower-cases tags and drops repeats", () => {
		expect(normaliseTags(["Bowing", " bowing ", "Left Hand"])).toEqual(["bowing", "left-hand"]);
	});

	it("weighs a flag by standing: 2 at 15, 3 at 100, 4 from 1000, 5 for a moderator", () => {
		expect([15, 100, 1000, 50_000].map((reputation) => flagWeight({ ...established, reputation }))).toEqual([2, 3, 4, 4]);
		expect(flagWeight({ ...established, isModerator: true })).toBe(5);
		expect(HIDE_THRESHOLD).toBe(5);
	});

	it("ranks a new post above an old one at equal score", () => {
		expect(hotRank(5, 1)).toBeGreaterThan(hotRank(5, 24));
		expect(hotRank(0, 1)).toBeGreaterThan(hotRank(20, 72));
	});
});

describe("the reputation ledger", () => {
	const at = (day: number) => new Date(Date.UTC(2026, 11, day, 10));
	const entry = (id: number, kind: LedgerEntry["kind"], amount: number, createdAt: Date, reversesId: number | null = null): LedgerEntry => ({ id, kind, amount, applied: 0, reversesId, createdAt });

	it("caps upvote gains at 200 a UTC day, exempts accepts, and starts again the next day", () => {
		const entries = [...Array.from({ length: 25 }, (_, index) => entry(index + 1, "upvoted", 10, at(1))), entry(26, "accepted", 15, at(1)), entry(27, "upvoted", 10, at(2))];
		const { reputation, applied } = foldLedger(entries);
		expect(reputation).toBe(1 + 200 + 15 + 10);
		expect(applied.get(21)).toBe(0);
	});

	it("never goes below 1, and a reversal takes back only what its event applied", () => {
		const { reputation, applied } = foldLedger([entry(1, "downvoted", -2, at(1)), entry(2, "upvoted", 10, at(1)), entry(3, "reversal", 0, at(1), 1), entry(4, "reversal", 0, at(1), 2)]);
		expect(applied.get(1)).toBe(0);
		expect(applied.get(3)).toBe(0);
		expect(reputation).toBe(1);
	});

	it("gives no reputation for votes on plain comments, and charges a downvote on an answer to the voter", () => {
		const base = { voterId: "v", itemType: "comment" as const, itemId: "i", authorId: "a" };
		expect(voteGains({ ...base, itemKind: "comment", value: 1 })).toEqual([]);
		expect(voteGains({ ...base, itemKind: "answer", value: -1 }).map((gain) => [gain.userId, gain.amount])).toEqual([["a", -2], ["v", -1]]);
		expect(voteGains({ ...base, itemType: "post", itemKind: "post", value: -1 }).map((gain) => [gain.userId, gain.amount])).toEqual([["a", -2]]);
	});
});
