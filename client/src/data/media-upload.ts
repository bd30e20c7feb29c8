import { defaultOptions, Upload } from "tus-js-client";
import { UPLOAD_KINDS, type UploadKind } from "../models/recording";
import { holdReload } from "./reload-guard";
import type { TokenStore } from "./token-store";

export type UploadSource = ConstructorParameters<typeof Upload>[0];

export interface MediaUploadRequest {
	/** Absolute URL of the tus endpoint */
	endpoint: string;
	sessionId: string;
	kind: UploadKind;
	source: UploadSource;
	filename: string;
	filetype: string;
	/** Read before every request; give it the uploading account's tokens only (`tokensOfAccount`). */
	tokens: Pick<TokenStore, "read">;
	onProgress?: (fraction: number) => void;
	/** Pauses the upload (it resumes from its fingerprint next time) and rejects with an AbortError. */
	signal?: AbortSignal;
}

/** Waits between retries of a broken upload; each retry resumes from the last byte the server kept. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 10_000, 30_000];
const CHUNK_SIZE_BYTES = 5 * 1024 * 1024;

/** Blobs have no name or date, so tus's default fingerprint could confuse two recordings of one size. */
function fingerprintOf(sessionId: string, kind: UploadKind): string {
	return `etude-${sessionId}-${kind}`;
}

export function isAbortError(error: unknown): boolean {
	return error instanceof DOMException && error.name === "AbortError";
}

/**
 * Uploads one file with the tus protocol. A dropped connection resumes where it stopped, and an upload
 * started before an app restart resumes from the fingerprint tus keeps in local storage.
 */
export async function uploadMedia(request: MediaUploadRequest): Promise<string> {
	return uploadWithTus(request, fingerprintOf(request.sessionId, request.kind), {
		sessionId: request.sessionId,
		kind: request.kind,
		// Sent only when an upload is created, which tus does only when this device kept no address of
		// an earlier one for the file: an earlier one the server has can never be finished.
		replaces: "unfinished",
		filename: request.filename,
		filetype: request.filetype
	});
}

type TusTransfer = Pick<MediaUploadRequest, "endpoint" | "source" | "tokens" | "onProgress" | "signal">;

/** The upload's address once every byte is on the server. */
async function uploadWithTus(request: TusTransfer, fingerprint: string, metadata: Record<string, string>): Promise<string> {
	const upload = new Upload(request.source, {
		endpoint: request.endpoint,
		chunkSize: CHUNK_SIZE_BYTES,
		retryDelays: RETRY_DELAYS_MS,
		removeFingerprintOnSuccess: true,
		fingerprint: async () => fingerprint,
		metadata,
		// Read the token for every request: a long upload outlives an access token, and the API client refreshes it.
		onBeforeRequest: async (httpRequest) => {
			const tokens = await request.tokens.read();
			if (tokens) httpRequest.setHeader("Authorization", `Bearer ${tokens.token}`);
		},
		onProgress: (sentBytes, totalBytes) => request.onProgress?.(totalBytes > 0 ? sentBytes / totalBytes : 0)
	});
	const previous = await upload.findPreviousUploads();
	if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
	// tus would resume after a reload, but an app update still waits for the upload rather than interrupt it.
	const releaseReload = holdReload();
	return new Promise<string>((done, fail) => {
		const aborted = () => fail(new DOMException("The upload was paused", "AbortError"));
		if (request.signal?.aborted) return aborted();
		request.signal?.addEventListener("abort", () => void upload.abort().finally(aborted), { once: true });
		upload.options.onSuccess = () => done(upload.url ?? "");
		upload.options.onError = fail;
		upload.start();
	}).finally(releaseReload);
}

/** A picture or a clip for a community post: the server tells them apart by `kind`, and re-encodes either. */
export type ForumUploadKind = "forum-image" | "forum-clip";

export interface ForumMediaUploadRequest extends TusTransfer {
	source: File;
}

export function forumUploadKindOf(file: Pick<File, "type">): ForumUploadKind {
	return file.type.startsWith("video/") ? "forum-clip" : "forum-image";
}

/**
 * Uploads a picture or clip for the community with the same tus client as recordings (no session);
 * answers the media id, which the server makes the last part of the upload's address (`forum-<id>`).
 */
export async function uploadForumMedia(request: ForumMediaUploadRequest): Promise<string> {
	const { name, size, lastModified, type } = request.source;
	const url = await uploadWithTus(request, `etude-forum-${name}-${size}-${lastModified}`, {
		kind: forumUploadKindOf(request.source),
		filename: name,
		filetype: type
	});
	return url.slice(url.lastIndexOf("/forum-") + "/forum-".length);
}

/** Forgets where a discarded session's files were being uploaded, so nothing on the device points to them. */
export async function forgetMediaUploads(sessionId: string): Promise<void> {
	const { urlStorage } = defaultOptions;
	for (const kind of UPLOAD_KINDS) {
		for (const previous of await urlStorage.findUploadsByFingerprint(fingerprintOf(sessionId, kind))) {
			await urlStorage.removeUpload(previous.urlStorageKey);
		}
	}
}
