import { Upload } from "tus-js-client";

export interface TusResult {
	url: string;
	uploadId: string;
}

export interface TusOptions {
	baseUrl: string;
	token?: string;
	metadata: Record<string, string>;
	chunkSize?: number;
	/** Resume the upload at this address instead of creating one. */
	uploadUrl?: string;
	/** Stop (as a dropped connection would) once this share of the bytes is on the server. */
	stopAtFraction?: number;
}

/** Uploads `body` with tus-js-client, the same client the app uses; rejects with the server's answer. */
export function tusUpload(body: Buffer, options: TusOptions): Promise<TusResult & { stopped: boolean }> {
	return new Promise((resolve, reject) => {
		const upload: Upload = new Upload(body, {
			endpoint: `${options.baseUrl}/api/uploads`,
			uploadUrl: options.uploadUrl,
			headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
			metadata: options.metadata,
			chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
			retryDelays: [],
			onChunkComplete(_chunk, uploaded, total) {
				if (options.stopAtFraction !== undefined && uploaded >= total * options.stopAtFraction && uploaded < total) {
					void upload.abort().then(() => resolve({ ...resultOf(upload), stopped: true }));
				}
			},
			onSuccess: () => resolve({ ...resultOf(upload), stopped: false }),
			onError: (error) => reject(error)
		});
		upload.start();
	});
}

function resultOf(upload: Upload): TusResult {
	const url = upload.url!;
	return { url, uploadId: url.split("/").pop()! };
}

/** The status and JSON body the server sent with a refused tus request. */
export function refusal(error: unknown): { status: number; body: any } {
	const response = (error as { originalResponse?: { getStatus(): number; getBody(): string } }).originalResponse;
	if (!response) throw error;
	const text = response.getBody();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON
	}
	return { status: response.getStatus(), body };
}
