import { randomUUID } from "node:crypto";
import path from "node:path";
import { FileStore } from "@tus/file-store";
import { S3Store } from "@tus/s3-store";
import { Server, type DataStore } from "@tus/server";
import type { ServiceBroker } from "moleculer";
import type { AuthenticatedUser } from "../../lib/actor";
import { toApiError } from "../../lib/api-errors";
import { UnauthorizedError, ValidationFailedError } from "../../lib/errors";
import type { NodeConfig } from "../../lib/node-config";
import { FORUM_UPLOAD_ID, FORUM_UPLOAD_KINDS, UPLOAD_PATH } from "./paths";

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

const isForumKind = (kind: string | null | undefined): boolean => (FORUM_UPLOAD_KINDS as readonly string[]).includes(kind ?? "");

/** Which media actions answer for an upload: a recording's (a student's, tied to a session) or a forum item's (any member's). */
const UPLOAD_ACTIONS = {
	recording: { continue: "media.authorizeUpload", cancel: "media.cancelUpload", finished: "media.uploadFinished" },
	forum: { continue: "media.authorizeForumUpload", cancel: "media.cancelForumUpload", finished: "media.forumUploadFinished" }
} as const;

const actionsFor = (uploadId: string) => UPLOAD_ACTIONS[FORUM_UPLOAD_ID.test(uploadId) ? "forum" : "recording"];

/**
 * tus writes its own refusals of a request's headers (no `Tus-Resumable`, a malformed
 * `Upload-Length` or `Upload-Metadata`) as a line of text, before any hook runs; like every other
 * refusal of ours they go out as JSON with a code.
 */
class CodedTusServer extends Server {
	override write(...[context, headers, status, body = ""]: Parameters<Server["write"]>): ReturnType<Server["write"]> {
		if (status < 400) return super.write(context, headers, status, body);
		headers.set("Content-Type", "application/json; charset=utf-8");
		return super.write(context, headers, status, asTusError({ status_code: status, body }).body);
	}
}

/** The gateway's own check of an `Authorization` header: the same token rules as every API route. */
export type BearerAuthenticator = (authorizationHeader: string | null | undefined) => Promise<AuthenticatedUser | null>;

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
 * With S3 the upload is written to the bucket as it arrives (an S3 multipart upload under the
 * upload's random id, its state in `<id>.info`), so any gateway replica can continue an upload
 * another one started, and a finished upload is already the object the media worker reads.
 * With local object storage the partial file sits in the objects folder, so nothing moves.
 */
export function createUploadServer(config: NodeConfig, broker: ServiceBroker, authenticate: BearerAuthenticator): Server {
	const logger = broker.getLogger("uploads");
	const signedIn = async (req: HeaderSource): Promise<AuthenticatedUser> => {
		const user = await authenticate(req.headers.get("authorization"));
		if (!user) throw new UnauthorizedError();
		return user;
	};
	const datastore = uploadStore(config);

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
		namingFunction: (_req, metadata) => (isForumKind(metadata?.kind) ? `forum-${randomUUID()}` : randomUUID()),
		// Even if an upload completes between the media service's answer and the removal.
		disableTerminationForFinishedUploads: true,
		onIncomingRequest: guarded(async (req: HeaderSource & { method: string }, uploadId: string) => {
			const user = await signedIn(req);
			if (req.method === "POST") return;
			if (!UUID.test(uploadId) && !FORUM_UPLOAD_ID.test(uploadId)) throw { status_code: 404, body: "No such upload" };
			// A forum upload may carry EXIF and GPS that processing drops: only the re-encoded files are ever served.
			if (req.method === "GET" && FORUM_UPLOAD_ID.test(uploadId)) throw { status_code: 404, body: "No such upload" };
			// Abandoning an upload abandons its recording too; anything else only needs the right to it.
			const actions = actionsFor(uploadId);
			await broker.call(req.method === "DELETE" ? actions.cancel : actions.continue, { uploadId }, { meta: { user } });
		}),
		onUploadCreate: guarded(async (req: HeaderSource, upload) => {
			const user = await signedIn(req);
			const { sessionId, kind, replaces } = upload.metadata ?? {};
			if (isForumKind(kind)) {
				// A picture or clip for the community: no session, the size known up front (its limit depends on the kind).
				if (upload.size === undefined) throw new ValidationFailedError("The upload is missing its size", [{ field: "Upload-Length", message: "The size must be known when the upload starts." }]);
				await broker.call("media.createForumUpload", { uploadId: upload.id, kind, sizeBytes: upload.size }, { meta: { user } });
				return {};
			}
			const problems = [];
			if (!sessionId || !UUID.test(sessionId)) problems.push({ field: "sessionId", message: "Send the session's id in Upload-Metadata." });
			if (kind !== "video" && kind !== "sensors") {
				problems.push({ field: "kind", message: `Upload-Metadata kind must be video or sensors (with a sessionId), or ${FORUM_UPLOAD_KINDS.join(" or ")}.` });
			}
			if (upload.size === undefined) problems.push({ field: "Upload-Length", message: "The size must be known when the upload starts." });
			if (replaces !== undefined && replaces !== "unfinished") problems.push({ field: "replaces", message: "Upload-Metadata replaces may only be unfinished." });
			if (problems.length > 0) throw new ValidationFailedError("The upload is missing what it is for", problems);
			await broker.call("media.createUpload", { uploadId: upload.id, sessionId, kind, sizeBytes: upload.size, replacesUnfinished: replaces === "unfinished" }, { meta: { user } });
			return {};
		}),
		onUploadFinish: guarded(async (req: HeaderSource, upload) => {
			const user = await signedIn(req);
			await broker.call(actionsFor(upload.id).finished, { uploadId: upload.id }, { meta: { user } });
			return {};
		}),
		onResponseError: (_req, error) => {
			const answer = asTusError(error);
			if (answer.status_code >= 500) logger.error(`Upload request failed: ${(error as Error).stack ?? String(error)}`);
			return answer;
		}
	};
	return new CodedTusServer(options);
}

function uploadStore(config: NodeConfig): DataStore {
	if (!config.s3) return new FileStore({ directory: path.join(config.dataDir, "objects") });
	const { endpointUrl, region, accessKey, secretKey, bucket, pathStyle } = config.s3;
	return new S3Store({
		// Parts of 8 MiB (S3's minimum is 5): smaller PATCHes wait in `<id>.part` until one fills.
		partSize: 8 * 1024 ** 2,
		// Tags only serve the store's expiry sweep, which the media purge makes unnecessary.
		useTags: false,
		s3ClientConfig: {
			bucket,
			region,
			endpoint: endpointUrl,
			forcePathStyle: pathStyle,
			credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
			// Checksums only where S3 demands them: S3-compatible servers differ on the newer
			// trailing-checksum uploads, and tus checks the bytes' offsets itself.
			requestChecksumCalculation: "WHEN_REQUIRED",
			responseChecksumValidation: "WHEN_REQUIRED"
		}
	});
}
