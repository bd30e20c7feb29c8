import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buttonIn, typeIntoTextarea } from "../../../test/ionic";
import { renderWithApp } from "../../../test/render-with-app";
import { ApiError } from "../../data/api-error";
import { api } from "../../data/app-services";
import type { AttachMedia } from "../../data/forum-attachments";
import type { ForumMedia } from "../../models/community";
import { PostForm } from "./PostForm";

const MEDIA_ID = "6f1c0a52-3f4e-4c51-9a57-1f2d3e4b5c6d";

function ready(overrides: Partial<ForumMedia> = {}): ForumMedia {
	return { id: MEDIA_ID, kind: "image", state: "ready", failureCode: null, failureReason: null, width: 1600, height: 800, durationS: null, markdown: `![](media:${MEDIA_ID})`, createdAt: "2026-12-01T10:00:00.000Z", ...overrides };
}

/** An upload the test moves along itself: progress when it says, done or failed when it says. */
function controlledAttach() {
	let progress: (fraction: number) => void = () => {};
	let finish: (media: ForumMedia) => void = () => {};
	let fail: (error: unknown) => void = () => {};
	const attach = vi.fn<AttachMedia>(
		(_file, onProgress) =>
			new Promise<ForumMedia>((resolve, reject) => {
				progress = onProgress;
				finish = resolve;
				fail = reject;
			})
	);
	return { attach, progress: (fraction: number) => progress(fraction), finish: (media: ForumMedia) => finish(media), fail: (error: unknown) => fail(error) };
}

function renderForm(attach: AttachMedia) {
	vi.spyOn(api.forum, "preview").mockResolvedValue({ html: "<p>preview</p>", links: 0, images: 0 });
	vi.spyOn(api.forum, "tags").mockResolvedValue([]);
	renderWithApp(<PostForm label="Ask a question" submitLabel="Post" busy={false} error={null} onSubmit={vi.fn()} attachMedia={attach} />, "/tabs/community/ask");
}

const bodyText = () => (document.querySelector("ion-textarea[label='Body (markdown)']") as HTMLIonTextareaElement).value;
const chooseFile = (file: File) => fireEvent.change(screen.getByLabelText("Image or clip file"), { target: { files: [file] } });

afterEach(() => vi.restoreAllMocks());

describe("adding an image or clip to a post", () => {
	it("uploads the chosen file with progress, waits for it to be processed, then inserts its reference after the text", async () => {
		const upload = controlledAttach();
		renderForm(upload.attach);
		typeIntoTextarea("Body (markdown)", "Is my bow hold too tight?");
		expect(buttonIn(document.body, "Add image or clip")).toBeTruthy();
		const photo = new File([new Uint8Array([0xff, 0xd8, 0xff])], "bow-hold.jpg", { type: "image/jpeg" });
		chooseFile(photo);
		expect(upload.attach).toHaveBeenCalledWith(photo, expect.any(Function));
		upload.progress(0.5);
		await screen.findByLabelText("Uploading: 50 %");
		expect((buttonIn(document.body, "Add image or clip") as HTMLIonButtonElement).disabled).toBe(true);
		upload.progress(1);
		await screen.findByText("Preparing the file…");
		upload.finish(ready());
		await waitFor(() => expect(bodyText()).toBe(`Is my bow hold too tight?\n\n![bow-hold](media:${MEDIA_ID})\n`));
		expect(screen.queryByText("Preparing the file…")).toBeNull();
		expect((buttonIn(document.body, "Add image or clip") as HTMLIonButtonElement).disabled).toBe(false);
	});

	it("says why a file was refused and leaves the text as it was", async () => {
		const upload = controlledAttach();
		renderForm(upload.attach);
		typeIntoTextarea("Body (markdown)", "A clip of my spiccato");
		chooseFile(new File([new Uint8Array([1, 2, 3])], "spiccato.mov", { type: "video/quicktime" }));
		upload.fail(new ApiError("ERR_MEDIA_FAILED", "The file is not a video we can read: ffprobe could not read it.", 422));
		expect((await screen.findByRole("alert")).textContent).toBe("The file is not a video we can read: ffprobe could not read it.");
		expect(bodyText()).toBe("A clip of my spiccato");
	});
});
