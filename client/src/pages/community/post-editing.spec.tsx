import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { Route } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buttonIn, typeIntoTextarea } from "../../../test/ionic";
import { renderWithApp } from "../../../test/render-with-app";
import { api } from "../../data/app-services";
import type { PostRevision } from "../../models/community";
import { comment, post, standing } from "../../../test/community-fixtures";
import EditPostPage from "./EditPostPage";
import PostHistoryPage from "./PostHistoryPage";
import QuestionPage from "./QuestionPage";

const POST_ID = post().id;

function renderQuestion(userId: string) {
	renderWithApp(<Route exact path="/tabs/community/:postId" component={QuestionPage} />, `/tabs/community/${POST_ID}`, userId);
}

function buttonsIn(container: HTMLElement): string[] {
	return [...container.querySelectorAll("ion-button")].map((element) => element.textContent?.trim() ?? "");
}

function isDisabled(button: HTMLElement): boolean {
	return (button as HTMLIonButtonElement).disabled;
}

const theQuestion = () => screen.getByRole("article", { name: "Collé bowing at the frog" });

afterEach(() => vi.restoreAllMocks());

describe("editing and deleting posts", () => {
	it("offers the author Edit and Delete, and a deleted question shows the tombstone the server returns", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing());
		vi.spyOn(api.forum, "post")
			.mockResolvedValueOnce(post())
			.mockResolvedValue(post({ status: "deleted", title: "", html: "", markdown: "", author: null }));
		const deletePost = vi.spyOn(api.forum, "deletePost").mockResolvedValue(undefined);
		renderQuestion("u1");
		await screen.findByRole("heading", { name: "Collé bowing at the frog" });
		expect(buttonIn(theQuestion(), "Edit").getAttribute("href")).toBe(`/tabs/community/${POST_ID}/edit`);
		expect(buttonsIn(theQuestion())).not.toContain("Flag");
		fireEvent.click(buttonIn(theQuestion(), "Delete"));
		const confirmation = screen.getByRole("group", { name: "Delete this question? Its answers stay in place." });
		expect(deletePost).not.toHaveBeenCalled();
		fireEvent.click(buttonIn(confirmation, "Yes, delete the question"));
		await waitFor(() => expect(deletePost).toHaveBeenCalledWith(POST_ID));
		await screen.findByText("This question was deleted. Its answers and comments stay in place.");
		expect(screen.getByRole("article", { name: "Deleted post" })).toBeTruthy();
		expect(buttonsIn(screen.getByRole("article", { name: "Deleted post" }))).toEqual([]);
		// The answers keep their place under the tombstone.
		expect(within(screen.getByRole("list", { name: "Answers" })).getByText("Text of a1")).toBeTruthy();
	});

	it("offers Edit but never Delete to a member whose privileges include editing others' posts", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing({ reputation: 2500 }));
		vi.spyOn(api.forum, "post").mockResolvedValue(post());
		renderQuestion("u2");
		await waitFor(() => expect(buttonsIn(theQuestion())).toEqual(["Edit", "Flag"]));
	});

	it("offers neither Edit nor Delete of someone else's post to a member without the privilege", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing({ reputation: 100 }));
		vi.spyOn(api.forum, "post").mockResolvedValue(post());
		renderQuestion("u2");
		await screen.findByRole("heading", { name: "Collé bowing at the frog" });
		await waitFor(() => expect(api.forum.standing).toHaveBeenCalled());
		expect(buttonsIn(theQuestion())).toEqual(["Flag"]);
	});

	it("shows History once a post has been edited", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing());
		vi.spyOn(api.forum, "post").mockResolvedValue(post({ revision: 3 }));
		renderQuestion("u2");
		await screen.findByRole("heading", { name: "Collé bowing at the frog" });
		expect(buttonIn(theQuestion(), "History").getAttribute("href")).toBe(`/tabs/community/${POST_ID}/history`);
	});

	it("deletes one's own comment after asking, and leaves others' comments to be flagged", async () => {
		vi.spyOn(api.forum, "standing").mockResolvedValue(standing());
		vi.spyOn(api.forum, "post")
			.mockResolvedValueOnce(post())
			.mockResolvedValue(
				post({
					comments: [
						comment({ id: "a2", accepted: true, author: { id: "u3", name: "Mei", reputation: 200 } }),
						comment({ id: "a1", replies: [comment({ id: "c1", parentId: "a1", kind: "comment", depth: 2, status: "deleted", html: "", markdown: "", author: null })] })
					]
				})
			);
		const deleteComment = vi.spyOn(api.forum, "deleteComment").mockResolvedValue(undefined);
		renderQuestion("u1");
		const mine = await screen.findByRole("article", { name: "comment by Nina" });
		expect(buttonsIn(screen.getByRole("article", { name: "answer by Ravi" }))).toEqual(["Reply", "Accept answer by Ravi", "Flag"]);
		fireEvent.click(buttonIn(mine, "Delete"));
		fireEvent.click(buttonIn(screen.getByRole("group", { name: "Delete this comment?" }), "Yes, delete the comment"));
		await waitFor(() => expect(deleteComment).toHaveBeenCalledWith("c1"));
		const replies = await screen.findByRole("list", { name: "Replies to answer by Ravi" });
		await within(replies).findByText("Deleted");
	});

	it("edits a post from what the server holds, previews the new body as the server renders it, and saves the changes", async () => {
		vi.spyOn(api.forum, "post").mockResolvedValue(post());
		vi.spyOn(api.forum, "tags").mockResolvedValue([]);
		const preview = vi.spyOn(api.forum, "preview").mockImplementation(async (body) => ({ html: `<p>rendered: ${body}</p>`, links: 0, images: 0 }));
		const edit = vi.spyOn(api.forum, "edit").mockResolvedValue(post({ revision: 2 }));
		renderWithApp(<Route exact path="/tabs/community/:postId/edit" component={EditPostPage} />, `/tabs/community/${POST_ID}/edit`, "u1");
		const form = await screen.findByRole("form", { name: "Edit the question" });
		const save = buttonIn(form, "Save changes");
		// Nothing changed yet: nothing to save.
		expect(isDisabled(save)).toBe(true);
		const body = form.querySelector('ion-textarea[label="Body (markdown)"]')!;
		expect((body as HTMLIonTextareaElement).value).toBe("How do I start a collé?");
		const newBody = "How do I start a collé near the frog without a scratch?";
		typeIntoTextarea("Body (markdown)", newBody);
		const previewRegion = screen.getByRole("region", { name: "Preview" });
		await within(previewRegion).findByText(`rendered: ${newBody}`);
		expect(preview).toHaveBeenCalledWith(newBody);
		await waitFor(() => expect(isDisabled(save)).toBe(false));
		fireEvent.click(save);
		await waitFor(() => expect(edit).toHaveBeenCalledWith(POST_ID, { title: "Collé bowing at the frog", body: newBody, tags: ["bowing"] }));
	});

	it("lists a post's revisions newest first, saying who edited each", async () => {
		vi.spyOn(api.forum, "post").mockResolvedValue(post({ revision: 2 }));
		const revisions: PostRevision[] = [
			{ postId: POST_ID, revision: 2, editorId: "u5", title: "Collé bowing at the frog", markdown: "Edited body", tags: ["bowing"], instrument: "cello", createdAt: "2026-12-01T12:00:00.000Z" },
			{ postId: POST_ID, revision: 1, editorId: "u1", title: "Colle bowing", markdown: "First body", tags: [], instrument: "cello", createdAt: "2026-12-01T09:00:00.000Z" }
		];
		vi.spyOn(api.forum, "revisions").mockResolvedValue(revisions);
		renderWithApp(<Route exact path="/tabs/community/:postId/history" component={PostHistoryPage} />, `/tabs/community/${POST_ID}/history`, "u1");
		const list = await screen.findByRole("list", { name: "Revisions" });
		const headings = within(list).getAllByRole("heading", { level: 2 }).map((heading) => heading.textContent);
		expect(headings).toEqual(["Revision 2 (current)", "Revision 1"]);
		expect(within(list).getByText("First body")).toBeTruthy();
		await within(list).findByText(/by the author/);
		expect(within(list).getByText(/by another member/)).toBeTruthy();
	});
});
