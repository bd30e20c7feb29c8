import type { ForumMedia } from "../models/community";
import { ApiError } from "./api-error";
import { api, apiClient, tokenStore } from "./app-services";
import { endpoints } from "./endpoints";
import { uploadForumMedia } from "./media-upload";
import { uploadErrorCode } from "./recording-uploads";

/** Uploads a picture or clip and waits until the server has made it embeddable; rejects with an ApiError the form shows. */
export type AttachMedia = (file: File, onProgress: (fraction: number) => void) => Promise<ForumMedia>;

/** A picture takes a second, a minute of clip some seconds; past the server's own limits nothing more will happen. */
const POLL_INTERVAL_MS = 1000;
const GIVE_UP_AFTER_MS = 6 * 60_000;

function serverMessage(error: unknown): string {
	try {
		const body = JSON.parse((error as { originalResponse?: { getBody(): string } | null }).originalResponse?.getBody() ?? "") as { message?: unknown };
		return typeof body.message === "string" ? body.message : "";
	} catch {
		return "";
	}
}

export const attachForumMedia: AttachMedia = async (file, onProgress) => {
	let mediaId: string;
	try {
		mediaId = await uploadForumMedia({
			endpoint: new URL(apiClient.baseUrl + endpoints.uploads, globalThis.location.href).toString(),
			source: file,
			tokens: tokenStore,
			onProgress
		});
	} catch (error) {
		const status = (error as { originalResponse?: { getStatus(): number } | null }).originalResponse?.getStatus() ?? 0;
		throw new ApiError(uploadErrorCode(error), serverMessage(error) || "The upload failed. Please try again.", status);
	}
	const deadline = Date.now() + GIVE_UP_AFTER_MS;
	for (;;) {
		const media = await api.forum.media(mediaId);
		if (media.state === "ready") return media;
		if (media.state === "failed") throw new ApiError("ERR_MEDIA_FAILED", media.failureReason ?? "We could not use this file.", 422);
		if (Date.now() > deadline) throw new ApiError("ERR_MEDIA_FAILED", "This file is taking too long to process. Try a smaller one.", 0);
		await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
	}
};
