import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { Route } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buttonIn, chooseInSegment } from "../../../test/ionic";
import { renderWithApp } from "../../../test/render-with-app";
import { api } from "../../data/app-services";
import { FEED_PAGE_SIZE } from "../../data/community-queries";
import type { FeedQuery, PostSummary } from "../../models/community";
import CommunityPage from "./CommunityPage";
import { standing } from "../../../test/community-fixtures";

function summary(index: number): PostSummary {
	return {
		id: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
		kind: "question",
		title: `Question number ${index}`,
		excerpt: "About practice",
		tags: [],
		instrument: null,
		status: "visible",
		score: 0,
		answerCount: 0,
		hasAcceptedAnswer: false,
		author: null,
		createdAt: "2026-12-01T09:00:00.000Z",
		lastActivityAt: "2026-12-01T09:00:00.000Z"
	};
}

/** A feed of `total` posts, paged by offset as the server pages it. */
function serveFeed(total: number) {
	return vi.spyOn(api.forum, "feed").mockImplementation(async ({ limit = 20, offset = 0 }: FeedQuery) => ({
		items: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, index) => summary(offset + index))
	}));
}

function renderFeeds() {
	vi.spyOn(api.forum, "standing").mockResolvedValue(standing());
	renderWithApp(<Route exact path="/tabs/community" component={CommunityPage} />, "/tabs/community", "u1");
}

const postTitles = () => within(screen.getByRole("list", { name: "Posts" })).getAllByRole("heading", { level: 2 });

afterEach(() => vi.restoreAllMocks());

describe("the community feeds", () => {
	it("offers the period only for Top, and asks the server for the chosen period", async () => {
		const feed = serveFeed(3);
		renderFeeds();
		await screen.findByText("Question number 0");
		expect(feed).toHaveBeenLastCalledWith({ feed: "hot", limit: FEED_PAGE_SIZE, offset: 0 });
		expect(document.querySelector('ion-segment[aria-label="Top of"]')).toBeNull();

		chooseInSegment("Feed", "top");
		await waitFor(() => expect(feed).toHaveBeenLastCalledWith({ feed: "top", period: "week", limit: FEED_PAGE_SIZE, offset: 0 }));
		const period = document.querySelector('ion-segment[aria-label="Top of"]')!;
		expect([...period.querySelectorAll("ion-segment-button")].map((button) => button.textContent)).toEqual(["This week", "This month", "All time"]);
		chooseInSegment("Top of", "all");
		await waitFor(() => expect(feed).toHaveBeenLastCalledWith({ feed: "top", period: "all", limit: FEED_PAGE_SIZE, offset: 0 }));

		chooseInSegment("Feed", "new");
		await waitFor(() => expect(feed).toHaveBeenLastCalledWith({ feed: "new", limit: FEED_PAGE_SIZE, offset: 0 }));
		expect(document.querySelector('ion-segment[aria-label="Top of"]')).toBeNull();
	});

	it("loads more posts from the next offset until a page comes back short", async () => {
		const feed = serveFeed(FEED_PAGE_SIZE + 5);
		renderFeeds();
		await screen.findByText("Question number 0");
		expect(postTitles()).toHaveLength(FEED_PAGE_SIZE);
		fireEvent.click(buttonIn(document.body, "Load more posts"));
		await waitFor(() => expect(postTitles()).toHaveLength(FEED_PAGE_SIZE + 5));
		expect(feed).toHaveBeenLastCalledWith({ feed: "hot", limit: FEED_PAGE_SIZE, offset: FEED_PAGE_SIZE });
		expect(postTitles().at(-1)?.textContent).toBe(`Question number ${FEED_PAGE_SIZE + 4}`);
		expect(document.body.textContent).not.toContain("Load more posts");
	});

	it("offers no Load more when the first page is all there is", async () => {
		serveFeed(3);
		renderFeeds();
		await screen.findByText("Question number 2");
		expect(document.body.textContent).not.toContain("Load more posts");
	});
});
