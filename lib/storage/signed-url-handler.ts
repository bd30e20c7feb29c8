import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { Errors } from "moleculer";
import type { ObjectStorage } from "./index";
import { verifyObjectUrlSignature } from "./signed-url";

export interface SignedObjectRequestHandlerOptions {
	storage: ObjectStorage;
	urlSigningSecret: string;
	/** The path part of the storage's publicBaseUrl, e.g. "/objects". */
	basePath: string;
}

function sendError(res: ServerResponse, statusCode: number, type: string, message: string): void {
	res.writeHead(statusCode, { "Content-Type": "application/json" }).end(JSON.stringify({ type, message }));
}

/**
 * Serves the signed GET/PUT URLs that LocalDiskObjectStorage hands out, so clients use the same
 * presigned-URL flow as with S3. Mount it in the gateway under `basePath`.
 */
export function createSignedObjectRequestHandler(options: SignedObjectRequestHandlerOptions) {
	const basePath = options.basePath.replace(/\/+$/, "");
	return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const url = new URL(req.url ?? "/", "http://localhost");
		if (!url.pathname.startsWith(`${basePath}/`)) return sendError(res, 404, "ERR_NOT_FOUND", "Not an object URL.");
		if (req.method !== "GET" && req.method !== "PUT") {
			return sendError(res, 405, "ERR_METHOD_NOT_ALLOWED", "Signed object URLs accept GET and PUT only.");
		}
		try {
			const key = url.pathname.slice(basePath.length + 1).split("/").map(decodeURIComponent).join("/");
			verifyObjectUrlSignature(
				{
					method: req.method,
					key,
					expiresAtEpochSeconds: Number(url.searchParams.get("expires")),
					signature: url.searchParams.get("signature") ?? ""
				},
				options.urlSigningSecret
			);
			if (req.method === "PUT") {
				const contentLength = req.headers["content-length"];
				await options.storage.put(key, req, {
					contentType: req.headers["content-type"],
					sizeBytes: contentLength === undefined ? undefined : Number(contentLength)
				});
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
