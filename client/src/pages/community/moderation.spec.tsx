import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { Route } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../data/api-error";
import { buttonIn, typeIntoTextarea } from "../../../test/ionic";
import { renderWithApp } from "../../../test/render-with-app";
import { api } from "../../data/app-services";
import type { ModerationLogEntry } from "../../models/community";
import CommunityPage from "./CommunityPage";
import { queueEntry, standing } from "../../../test/community-fixtures";
import ModerationPage from "./ModerationPage";

const MODERATOR_ID = "m1";
const SPAM_POST_ID = "22222222-2222-4222-8222-222222222222";
const RUDE_COMMENT_ID = "33333333-3333-4333-8333-333333333333";

const LOG: ModerationLogEntry[] = [
	{ id: "2", moderatorId: MODERATOR_ID, action: "delete", itemType: "comment", itemId: "c9", targetUserId: "u4", note: "shop link", createdAt: "2026-12-01T12:00:00.000Z" },
	{ id: "1", moderatorId: null, action: "auto_hide", itemType: "post", itemId: SPAM_POST_ID, targetUserId: "u4", note: "flags weigh 5", createdAt: "2026-12-01T11:00:00.000Z" }
];

function renderModeration() {
	vi.spyOn(api.forum, "standing").mockResolvedValue(standing({ reputation: 400, isModerator: true }));
	vi.spyOn(api.forum, "moderationLog").mockResolvedValue(LOG);
	renderWithApp(<Route exact path="/tabs/community/moderation" component={ModerationPage} />, "/tabs/community/moderation", MODERATOR_ID);
}

afterEach(() => vi.restoreAllMocks());

describe("the moderation entry on the Community tab", () => {
	it("is not shown to a member who is not a moderator", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing({ reputation: 5000 }));
		vi.spyOn(api.forum, "feed").mockResolvedValue({ items: [] });
		renderWithApp(<Route exact path="/tabs/community" component={CommunityPage} />, "/tabs/community", "u1");
		await screen.findByLabelText("My reputation 5000");
		expect(screen.queryByText("Moderation")).toBeNull();
	});

	it("leads a moderator to the review queue", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing({ isModerator: true }));
		vi.spyOn(api.forum, "feed").mockResolvedValue({ items: [] });
		renderWithApp(<Route exact path="/tabs/community" component={CommunityPage} />, "/tabs/community", MODERATOR_ID);
		const entry = (await screen.findByText("Moderation")).closest("ion-button")!;
		expect(entry.getAttribute("href")).toBe("/tabs/community/moderation");
	});

	it("never asks for the queue for someone who is not a moderator, and says why there is nothing", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing());
		const queue = vi.spyOn(api.forum, "moderationQueue").mockResolvedValue([]);
		renderWithApp(<Route exact path="/tabs/community/moderation" component={ModerationPage} />, "/tabs/community/moderation", "u1");
		await screen.findByText("Only community moderators can see the review queue.");
		expect(queue).not.toHaveBeenCalled();
	});
});

describe("the moderators' review queue", () => {
	it("lists each queued item with its flags, reasons and weights, beside the log of moderator actions", async () => {
		vi.spyOn(api.forum, "moderationQueue").mockResolvedValue([
			queueEntry({ itemId: SPAM_POST_ID }),
			queueEntry({
				itemType: "comment",
				itemId: RUDE_COMMENT_ID,
				postId: SPAM_POST_ID,
				status: "visible",
				title: "",
				authorName: "Grumpy Gus",
				markdown: "You play like a goat",
				flagWeight: 3,
				flags: [
					{ reason: "offensive", note: "", weight: 2, createdAt: "2026-12-01T11:10:00.000Z" },
					{ reason: "other", note: "rude", weight: 1, createdAt: "2026-12-01T11:20:00.000Z" }
				]
			})
		]);
		renderModeration();
		const post = await screen.findByRole("article", { name: "Queued post “Cheap violins here”" });
		expect(within(post).getByText(/Hidden · by Spammy Sam/)).toBeTruthy();
		expect(within(within(post).getByRole("list", { name: "Flags on post “Cheap violins here”" })).getByText(/Spam \(weight 5\): “a shop”/)).toBeTruthy();
		const comment = screen.getByRole("article", { name: "Queued comment by Grumpy Gus" });
		const flags = within(comment).getAllByRole("listitem").map((item) => item.textContent);
		expect(flags[0]).toMatch(/^Offensive \(weight 2\)/);
		expect(flags[1]).toMatch(/^Other \(weight 1\): “rude”/);
		expect(within(comment).getByText("You play like a goat")).toBeTruthy();

		const log = await screen.findByRole("list", { name: "Moderator actions" });
		const entries = within(log).getAllByRole("heading", { level: 3 }).map((heading) => heading.textContent);
		expect(entries).toEqual(["Deleted a comment", "Hid a post"]);
		expect(within(log).getByText(/by you/)).toBeTruthy();
		expect(within(log).getByText(/automatically/)).toBeTruthy();
	});

	it("deletes an item at once, and the queue is read again without it", async () => {
		const queue = vi.spyOn(api.forum, "moderationQueue").mockResolvedValueOnce([queueEntry({ itemId: SPAM_POST_ID })]).mockResolvedValue([]);
		const decide = vi.spyOn(api.forum, "decide").mockResolvedValue({ action: "delete", status: "deleted" });
		renderModeration();
		const post = await screen.findByRole("article", { name: "Queued post “Cheap violins here”" });
		fireEvent.click(buttonIn(post, "Delete"));
		await waitFor(() => expect(decide).toHaveBeenCalledWith({ itemType: "post", itemId: SPAM_POST_ID, action: "delete", note: "" }));
		await screen.findByText(/Deleted the post “Cheap violins here”\. Nothing waits for review\./);
		expect(queue).toHaveBeenCalledTimes(2);
	});

	it("asks for confirmation and a reason before banning an author, and sends the reason", async () => {
		vi.spyOn(api.forum, "moderationQueue").mockResolvedValue([queueEntry({ itemId: SPAM_POST_ID })]);
		const decide = vi.spyOn(api.forum, "decide").mockResolvedValue({ action: "ban", status: "deleted" });
		renderModeration();
		const post = await screen.findByRole("article", { name: "Queued post “Cheap violins here”" });
		fireEvent.click(buttonIn(post, "Ban author"));
		expect(decide).not.toHaveBeenCalled();
		const confirmation = screen.getByRole("form", { name: "Ban Spammy Sam" });
		expect(within(confirmation).getByText(/will not be able to sign in any more/)).toBeTruthy();
		const confirm = buttonIn(confirmation, "Confirm the ban");
		expect((confirm as HTMLIonButtonElement).disabled).toBe(true);
		typeIntoTextarea("Reason (kept in the moderation log)", "Sells fake violins in every thread");
		await waitFor(() => expect((confirm as HTMLIonButtonElement).disabled).toBe(false));
		fireEvent.click(confirm);
		await waitFor(() =>
			expect(decide).toHaveBeenCalledWith({ itemType: "post", itemId: SPAM_POST_ID, action: "ban", note: "Sells fake violins in every thread" })
		);
	});

	it("cancels a silence without deciding anything", async () => {
		vi.spyOn(api.forum, "moderationQueue").mockResolvedValue([queueEntry({ itemId: SPAM_POST_ID })]);
		const decide = vi.spyOn(api.forum, "decide");
		renderModeration();
		const post = await screen.findByRole("article", { name: "Queued post “Cheap violins here”" });
		fireEvent.click(buttonIn(post, "Silence author"));
		const confirmation = screen.getByRole("form", { name: "Silence Spammy Sam" });
		expect(within(confirmation).getByText(/cannot post for 7 days/)).toBeTruthy();
		fireEvent.click(buttonIn(confirmation, "Cancel"));
		expect(screen.queryByRole("form", { name: "Silence Spammy Sam" })).toBeNull();
		expect(decide).not.toHaveBeenCalled();
	});

	it("shows a refused decision in words beside the item it was about", async () => {
		vi.spyOn(api.forum, "moderationQueue").mockResolvedValue([
			queueEntry({ itemId: SPAM_POST_ID }),
			queueEntry({ itemId: RUDE_COMMENT_ID, itemType: "comment", postId: SPAM_POST_ID, title: "", authorName: "Grumpy Gus" })
		]);
		vi.spyOn(api.forum, "decide").mockRejectedValue(new ApiError("ERR_ITEM_NOT_FOUND", "Item not found", 404));
		renderModeration();
		const comment = await screen.findByRole("article", { name: "Queued comment by Grumpy Gus" });
		fireEvent.click(buttonIn(comment, "Approve"));
		const alert = await within(comment).findByRole("alert");
		expect(alert.textContent).toBe("That post or comment isn't there any more: it was deleted, or someone already decided on it.");
		expect(within(screen.getByRole("article", { name: "Queued post “Cheap violins here”" })).queryByRole("alert")).toBeNull();
	});
});
