import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline as pipelineWithCallback, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Errors } from "moleculer";
import { ObjectTooLargeError } from "./errors";
import type { ObjectStorage } from "./index";
import { verifyObjectUrlSignature, type SignedUrlMethod } from "./signed-url";

export interface SignedObjectRequestHandlerOptions {
	storage: ObjectStorage;
	urlSigningSecret: string;
	/** The path part of the storage's publicBaseUrl, e.g. "/objects". */
	basePath: string;
	/**
	 * A signed PUT URL cannot limit the size itself, so the handler does; default 4 GiB, above a
	 * 5-minute 4K phone recording.
	 */
	maxUploadBytes?: number;
}

const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

/** The methods a signed object URL can be issued for, and so the only ones the handler serves. */
export const SIGNED_OBJECT_METHODS = ["GET", "PUT"] as const satisfies readonly SignedUrlMethod[];

/** Passes the body through until it exceeds `maxBytes`, then fails it, whatever Content-Length claimed. */
function limitedBody(req: IncomingMessage, key: string, maxBytes: number): Transform {
	let receivedBytes = 0;
	const limiter = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			receivedBytes += chunk.length;
			done(receivedBytes > maxBytes ? new ObjectTooLargeError(key, maxBytes) : null, chunk);
		}
	});
	// The storage's own pipeline reports the error; this one only carries a failing request into the limiter.
	pipelineWithCallback(req, limiter, () => {});
	return limiter;
}

function sendError(res: ServerResponse, statusCode: number, code: string, message: string): void {
	res.writeHead(statusCode, { "Content-Type": "application/json" }).end(JSON.stringify({ code, message }));
}

/**
 * Serves the signed GET/PUT URLs that LocalDiskObjectStorage hands out, so clients use the same
 * presigned-URL flow as with S3. Mount it in the gateway under `basePath`.
 */
export function createSignedObjectRequestHandler(options: SignedObjectRequestHandlerOptions) {
	const basePath = options.basePath.replace(/\/+$/, "");
	const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
	return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const url = new URL(req.url ?? "/", "http://localhost");
		if (!url.pathname.startsWith(`${basePath}/`)) return sendError(res, 404, "ERR_NOT_FOUND", "Not an object URL.");
		const method = SIGNED_OBJECT_METHODS.find((allowed) => allowed === req.method);
		if (!method) return sendError(res, 405, "ERR_METHOD_NOT_ALLOWED", "Signed object URLs accept GET and PUT only.");
		try {
			const key = url.pathname.slice(basePath.length + 1).split("/").map(decodeURIComponent).join("/");
			verifyObjectUrlSignature(
				{
					method,
					key,
					expiresAtEpochSeconds: Number(url.searchParams.get("expires")),
					signature: url.searchParams.get("signature") ?? ""
				},
				options.urlSigningSecret
			);
			if (method === "PUT") {
				const contentLength = req.headers["content-length"];
				const declaredBytes = contentLength === undefined ? undefined : Number(contentLength);
				if (declaredBytes !== undefined && declaredBytes > maxUploadBytes) throw new ObjectTooLargeError(key, maxUploadBytes);
				await options.storage.put(key, limitedBody(req, key, maxUploadBytes), { contentType: req.headers["content-type"] });
				res.writeHead(200).end();
				return;
			}
			const objectInfo = await options.storage.stat(key);
			res.writeHead(200, { "Content-Type": objectInfo.contentType, "Content-Length": objectInfo.sizeBytes });
			await pipeline(await options.storage.get(key), res);
		} catch (error) {
			if (res.headersSent) {
				res.destroy(error as Error);
			} else if (error instanceof Errors.MoleculerClientError) {
				sendError(res, error.code, error.type, error.message);
			} else if (error instanceof URIError) {
				sendError(res, 400, "ERR_INVALID_OBJECT_KEY", "The object key in the URL is not valid percent-encoding.");
			} else {
				sendError(res, 500, "ERR_STORAGE_FAILURE", "The object could not be read or written.");
				// The caller (the gateway) logs it.
				throw error;
			}
		}
	};
}
