import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { Route } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithApp } from "../../../test/render-with-app";
import { api } from "../../data/app-services";
import { post } from "../../../test/community-fixtures";
import QuestionPage from "./QuestionPage";

function renderQuestion(userId: string) {
	renderWithApp(<Route exact path="/tabs/community/:postId" component={QuestionPage} />, `/tabs/community/${post().id}`, userId);
}

afterEach(() => vi.restoreAllMocks());

describe("the question page", () => {
	it("shows answers and their replies in the server's order, the accepted one first, each with its own votes", async () => {
		vi.spyOn(api.forum, "post").mockResolvedValue(post());
		renderQuestion("u2");
		const answers = await screen.findByRole("list", { name: "Answers" });
		const ids = [...answers.querySelectorAll(":scope > li")].map((item) => item.getAttribute("data-comment-id"));
		expect(ids).toEqual(["a2", "a1"]);
		expect(within(answers).getByText("✓ Accepted answer")).toBeTruthy();
		const replies = screen.getByRole("list", { name: "Replies to answer by Ravi" });
		expect(within(replies).getByText("Text of c1")).toBeTruthy();
		expect(screen.getByRole("button", { name: "Upvote comment by Nina" })).toBeTruthy();
	});

	it("casts a vote, and pressing the same vote again takes it back", async () => {
		vi.spyOn(api.forum, "post")
			.mockResolvedValueOnce(post())
			.mockResolvedValue(post({ myVote: 1, score: 4 }));
		const vote = vi.spyOn(api.forum, "vote").mockResolvedValue({ score: 4, myVote: 1 });
		const retract = vi.spyOn(api.forum, "retractVote").mockResolvedValue({ score: 3, myVote: 0 });
		renderQuestion("u2");
		fireEvent.click(await screen.findByRole("button", { name: "Upvote question" }));
		await waitFor(() => expect(vote).toHaveBeenCalledWith("post", post().id, 1));
		await waitFor(() => expect(screen.getByRole("button", { name: "Upvote question" }).getAttribute("aria-pressed")).toBe("true"));
		fireEvent.click(screen.getByRole("button", { name: "Upvote question" }));
		await waitFor(() => expect(retract).toHaveBeenCalledWith("post", post().id));
	});

	it("offers accept to the asker only, and not a vote on one's own post", async () => {
		vi.spyOn(api.forum, "post").mockResolvedValue(post());
		const accept = vi.spyOn(api.forum, "accept").mockResolvedValue(post({ acceptedAnswerId: "a1" }));
		renderQuestion("u1");
		fireEvent.click((await screen.findByText("Accept answer by Ravi")).closest("ion-button")!);
		await waitFor(() => expect(accept).toHaveBeenCalledWith(post().id, "a1"));
		expect(screen.getByRole("button", { name: "Upvote question" })).toBeDisabled();
	});

	it("keeps accept away from anyone but the asker", async () => {
		vi.spyOn(api.forum, "post").mockResolvedValue(post());
		renderQuestion("u2");
		await screen.findByRole("list", { name: "Answers" });
		expect(screen.queryByText(/^Accept answer/)).toBeNull();
		expect(within(screen.getByRole("article", { name: "Collé bowing at the frog" })).getAllByText("Flag")).toHaveLength(1);
	});
});
