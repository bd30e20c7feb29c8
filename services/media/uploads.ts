import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";
import type { ServiceBroker } from "moleculer";
import type { AuthenticatedUser } from "../../lib/actor";
import { toApiError } from "../../lib/api-errors";
import { UnauthorizedError, ValidationFailedError } from "../../lib/errors";
import type { NodeConfig } from "../../lib/node-config";
import { createObjectStorage } from "../../lib/storage";
import { verifyAccessToken } from "../../lib/tokens";
import { objectStorageConfig } from "../../mixins/storage.mixin";
import { UPLOAD_PATH } from "./paths";


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// tus answers protocol problems with a status and a line of text; ours carry a code too.
const TUS_STATUS_CODES: Record<number, string> = {
	400: "ERR_UPLOAD_BAD_REQUEST",
	403: "ERR_FORBIDDEN",
	404: "ERR_UPLOAD_NOT_FOUND",
	409: "ERR_UPLOAD_OFFSET_MISMATCH",
	410: "ERR_UPLOAD_GONE",
	412: "ERR_UPLOAD_PROTOCOL_VERSION",
	413: "ERR_UPLOAD_TOO_LARGE",
	415: "ERR_UPLOAD_BAD_REQUEST",
	460: "ERR_UPLOAD_CHECKSUM_MISMATCH"
};

type HeaderSource = { headers: { get(name: string): string | null } };

function userOf(req: HeaderSource, jwtSecret: string): AuthenticatedUser {
	const [scheme, token] = (req.headers.get("authorization") ?? "").split(" ");
	if (scheme?.toLowerCase() !== "bearer" || !token) throw new UnauthorizedError();
	return verifyAccessToken(token, jwtSecret);
}

/** tus hooks stop a request by throwing `{ status_code, body }`. */
function asTusError(error: unknown): { status_code: number; body: string } {
	const known = error as { status_code?: number; body?: string };
	if (typeof known.status_code === "number") {
		// Already ours (a hook's refusal passes through here a second time).
		if (known.body?.startsWith("{")) return { status_code: known.status_code, body: known.body };
		const code = TUS_STATUS_CODES[known.status_code] ?? "ERR_UPLOAD_BAD_REQUEST";
		return { status_code: known.status_code, body: JSON.stringify({ code, message: (known.body ?? "").trim() }) };
	}
	const { status, body } = toApiError(error as Error);
	return { status_code: status, body: JSON.stringify(body) };
}

/**
 * Resumable uploads (tus 1.0) at /api/uploads, with the same JWT as the API; the media service
 * decides whether an upload may start or continue, and takes over once it is complete.
 *
 * Partial uploads live on this node's disk (DATA_DIR/uploads, kept across restarts), and a
 * finished one is streamed into the bucket under its random id. With local object storage the
 * partial file already sits in the objects folder, so nothing moves. (@tus/s3-store would
 * write parts to S3 directly, but it needs S3's ListParts, which no S3 server installable
 * here implements, so that path could not be tested.)
 */
export function createUploadServer(config: NodeConfig, broker: ServiceBroker): Server {
	const logger = broker.getLogger("uploads");
	const storage = createObjectStorage(objectStorageConfig(config));
	const stagingDirectory = path.join(config.dataDir, config.s3 ? "uploads" : "objects");
	const datastore = new FileStore({ directory: stagingDirectory });

	const guarded =
		<Args extends unknown[], Result>(hook: (...args: Args) => Promise<Result>) =>
		async (...args: Args): Promise<Result> => {
			try {
				return await hook(...args);
			} catch (error) {
				throw asTusError(error);
			}
		};

	const options: ConstructorParameters<typeof Server>[0] = {
		path: UPLOAD_PATH,
		datastore,
		maxSize: config.uploadMaxBytes,
		relativeLocation: true,
		respectForwardedHeaders: true,
		allowedOrigins: config.corsOrigins === "*" ? undefined : config.corsOrigins,
		allowedHeaders: ["Authorization"],
		namingFunction: () => randomUUID(),
		onIncomingRequest: guarded(async (req: HeaderSource & { method: string }, uploadId: string) => {
			const user = userOf(req, config.jwtSecret);
			if (req.method === "POST") return;
			if (!UUID.test(uploadId)) throw { status_code: 404, body: "No such upload" };
			await broker.call("media.authorizeUpload", { uploadId }, { meta: { user } });
		}),
		onUploadCreate: guarded(async (req: HeaderSource, upload) => {
			const user = userOf(req, config.jwtSecret);
			const { sessionId, kind } = upload.metadata ?? {};
			const problems = [];
			if (!sessionId || !UUID.test(sessionId)) problems.push({ field: "sessionId", message: "Send the session's id in Upload-Metadata." });
			if (kind !== "video" && kind !== "sensors") problems.push({ field: "kind", message: "Upload-Metadata kind must be video or sensors." });
			if (upload.size === undefined) problems.push({ field: "Upload-Length", message: "The size must be known when the upload starts." });
			if (problems.length > 0) throw new ValidationFailedError("The upload is missing what it is for", problems);
			await broker.call("media.createUpload", { uploadId: upload.id, sessionId, kind, sizeBytes: upload.size }, { meta: { user } });
			return {};
		}),
		onUploadFinish: guarded(async (req: HeaderSource, upload) => {
			const user = userOf(req, config.jwtSecret);
			if (config.s3) {
				await storage.put(upload.id, createReadStream(path.join(stagingDirectory, upload.id)));
				await datastore.remove(upload.id);
			}
			await broker.call("media.uploadFinished", { uploadId: upload.id }, { meta: { user } });
			return {};
		}),
		onResponseError: (_req, error) => {
			const answer = asTusError(error);
			if (answer.status_code >= 500) logger.error(`Upload request failed: ${(error as Error).stack ?? String(error)}`);
			return answer;
		}
	};
	return new Server(options);
}
