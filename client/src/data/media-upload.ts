import { Upload } from "tus-js-client";
import type { UploadKind } from "../models/recording";
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
	tokens: TokenStore;
	onProgress?: (fraction: number) => void;
}

/** Waits between retries of a broken upload; each retry resumes from the last byte the server kept. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 10_000, 30_000];
const CHUNK_SIZE_BYTES = 5 * 1024 * 1024;

/**
 * Uploads one file with the tus protocol. A dropped connection resumes where it stopped, and an upload
 * started before an app restart resumes from the fingerprint tus keeps in local storage.
 */
export async function uploadMedia(request: MediaUploadRequest): Promise<string> {
	const upload = new Upload(request.source, {
		endpoint: request.endpoint,
		chunkSize: CHUNK_SIZE_BYTES,
		retryDelays: RETRY_DELAYS_MS,
		removeFingerprintOnSuccess: true,
		// Blobs have no name or date, so tus's default fingerprint could confuse two recordings of one size.
		fingerprint: async () => `etude-${request.sessionId}-${request.kind}`,
		metadata: {
			sessionId: request.sessionId,
			kind: request.kind,
			filename: request.filename,
			filetype: request.filetype
		},
		// Read the token for every request: a long upload outlives an access token, and the API client refreshes it.
		onBeforeRequest: async (httpRequest) => {
			const tokens = await request.tokens.read();
			if (tokens) httpRequest.setHeader("Authorization", `Bearer ${tokens.token}`);
		},
		onProgress: (sentBytes, totalBytes) => request.onProgress?.(totalBytes > 0 ? sentBytes / totalBytes : 0)
	});
	const previous = await upload.findPreviousUploads();
	if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
	return new Promise((done, fail) => {
		upload.options.onSuccess = () => done(upload.url ?? "");
		upload.options.onError = fail;
		upload.start();
	});
}
