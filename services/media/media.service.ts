import { randomUUID } from "node:crypto";
import { buffer } from "node:stream/consumers";
import type { Context, Service, ServiceSchema } from "moleculer";
import type { Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { EtudeClientError, NotFoundError } from "../../lib/errors";
import { requestedByteRange } from "../../lib/http-range";
import { columnsOf } from "../../lib/db/columns";
import { FORUM_MEDIA_FILES, forumMediaPath, type EmbeddableMedia, type ForumMediaFile } from "../../lib/forum-media";
import { sqlArray } from "../../lib/db/sql-arrays";
import { READS_KEPT_MESSAGES, type DomainEvent } from "../../lib/domain-events";
import type { NodeConfig } from "../../lib/node-config";
import { deriveSecret } from "../../lib/secrets";
import { parseSensorFile, SENSOR_FILE_LIMITS } from "../../lib/sensor-file";
import type { ObjectStorage } from "../../lib/storage";
import { Cron } from "../../mixins/cron.mixin";
import { DbMixin } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import { FORUM_MEDIA_PREFIX, GAVE_UP, MediaRows, defineMediaModels, type ForumMediaRow, type UploadKind, type VideoRow, type VideoState } from "./media-rows";
import { FORUM_UPLOAD_ID, FORUM_UPLOAD_KINDS, forumMediaIdOf, type ForumUploadKind } from "./paths";
import type { ForumMediaKind, ForumMediaView, VideoView } from "../../contracts/media";
import { signedForumMediaQuery, verifyForumMediaLink } from "./signed-links";
import { RENDITIONS, rewritePlaylist, signedPlaylistPath, verifyPlaylistSignature, type Rendition } from "./playlist";

export type { AudioReadyMessage, UploadKind } from "./media-rows";

export interface RecordingFacts {
	videoId: string;
	sessionId: string;
	studentId: string;
	state: VideoState;
	/** Known once the recording is validated. */
	durationMs: number | null;
}

export interface FailedRecording {
	studentId: string;
	videoId: string;
	sessionId: string;
	failedAt: string;
	failureCode: string | null;
}

type MediaContext<P = Record<string, never>> = Context<P, EtudeMeta>;

const PURGE_INTERVAL_MS = 60_000;

/** What another service (the community) learns of an item to check and embed it. */
export interface ForumMediaFacts {
	id: string;
	ownerId: string;
	kind: ForumMediaKind;
	state: VideoState;
	/** Only when ready: signed for the viewer asked for, else the unsigned addresses a stored rendering holds. */
	embed: EmbeddableMedia | null;
}

/** Uploads larger than this are refused before a byte is stored: a picture, a clip of at most a minute. */
const FORUM_UPLOAD_MAX_BYTES: Record<ForumUploadKind, number> = { "forum-image": 10 * 1024 ** 2, "forum-clip": 100 * 1024 ** 2 };
/** A file name's extension for an original recording, from its first bytes (uploads carry no trustworthy type). */
function extensionOf(head: Buffer): string {
	if (head.subarray(4, 8).toString("latin1") === "ftyp") return head.subarray(8, 12).toString("latin1") === "qt  " ? ".mov" : ".mp4";
	if (head.readUInt32BE(0) === 0x1a45dfa3) return ".webm";
	return "";
}

/** The first bytes of an object, or null when it is gone. */
async function headOf(storage: ObjectStorage, key: string): Promise<Buffer | null> {
	const stream = await storage.get(key).catch(() => null);
	if (!stream) return null;
	for await (const chunk of stream) {
		stream.destroy();
		return Buffer.concat([chunk as Buffer, Buffer.alloc(12)]);
	}
	return Buffer.alloc(12);
}

/**
 * Recordings and forum media, the API side: uploads arrive through tus at the gateway
 * (services/media/uploads.ts), which asks this service whether each may start and tells it when
 * one is complete; the finished upload goes on a durable channel to the workers
 * (media-worker.service.ts). Serves playback and forum media links, deletes, exports and purges.
 */
export default function mediaService(config: NodeConfig): ServiceSchema {
	const playbackSecret = deriveSecret(config.jwtSecret, "playback urls");

	return {
		name: "media",
		mixins: [
			DbMixin(defineMediaModels),
			StorageMixin(config),
			MediaRows(),
			PersonalDataMixin(),
			Outbox(),
			Cron({ purge: { everyMs: PURGE_INTERVAL_MS, method: "purgeDeleted" } })
		],
		settings: { rest: "/" },

		actions: {
			/** Asked by the upload endpoint before a single byte is stored. */
			createUpload: {
				visibility: "public",
				permissions: ["student"],
				params: {
					uploadId: { type: "uuid" },
					sessionId: { type: "uuid" },
					kind: { type: "enum", values: ["video", "sensors"] },
					sizeBytes: { type: "number", integer: true, min: 0 },
					replacesUnfinished: { type: "boolean", optional: true }
				},
				async handler(ctx: MediaContext<{ uploadId: string; sessionId: string; kind: UploadKind; sizeBytes: number; replacesUnfinished?: boolean }>) {
					const { uploadId, sessionId, kind, sizeBytes, replacesUnfinished = false } = ctx.params;
					const ownerId = ctx.meta.user!.id;
					// The practice service decides who may touch a session; anyone else gets its 404.
					const session: { startedAt: string } = await ctx.call("sessions.get", { id: sessionId });
					const limit = kind === "video" ? config.uploadMaxBytes : SENSOR_FILE_LIMITS.maxBytes;
					if (sizeBytes > limit) {
						throw new EtudeClientError(`This file is larger than the ${Math.floor(limit / 1024 ** 2)} MiB allowed`, 413, "ERR_UPLOAD_TOO_LARGE");
					}
					if (replacesUnfinished) {
						// The app starts a file afresh only when it kept no address of an earlier upload of
						// it (it died before the creation's answer arrived): that upload can never finish,
						// so it goes (the purge removes its bytes) instead of showing on the session for ever.
						await this.queryAs(
							this.ownActor(ctx),
							`UPDATE ${kind === "video" ? "videos" : "sensor_files"} SET deleted_at = now()
							 WHERE session_id = :sessionId AND owner_id = :ownerId AND state = 'uploading' AND deleted_at IS NULL`,
							{ sessionId, ownerId }
						);
					}
					await this.assertQuotaFor(ownerId, sizeBytes);
					const replacements = { id: randomUUID(), sessionId, ownerId, uploadId, sizeBytes, recordedAt: session.startedAt };
					await this.queryAs(
						this.ownActor(ctx),
						kind === "video"
							? `INSERT INTO videos (id, session_id, owner_id, upload_id, size_bytes, recorded_at)
							   VALUES (:id, :sessionId, :ownerId, :uploadId, :sizeBytes, :recordedAt)`
							: `INSERT INTO sensor_files (id, session_id, owner_id, upload_id, size_bytes) VALUES (:id, :sessionId, :ownerId, :uploadId, :sizeBytes)`,
						replacements
					);
				}
			},

			/** Asked by the upload endpoint on every request that continues an upload. */
			authorizeUpload: {
				visibility: "public",
				idempotent: true,
				permissions: ["student"],
				params: { uploadId: { type: "uuid" } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [found] = await this.queryAs(
						this.ownActor(ctx),
						`SELECT 1 FROM videos WHERE upload_id = :uploadId AND owner_id = :ownerId AND deleted_at IS NULL
						 UNION ALL SELECT 1 FROM sensor_files WHERE upload_id = :uploadId AND owner_id = :ownerId AND deleted_at IS NULL`, { uploadId: ctx.params.uploadId, ownerId: ctx.meta.user!.id });
					if (!found) throw new NotFoundError("Upload", "ERR_UPLOAD_NOT_FOUND");
				}
			},

			/**
			 * Asked by the upload endpoint before an upload is abandoned (tus termination): the recording
			 * it was for goes with it (the purge removes both). A finished upload is the recording's
			 * original and stays until the recording itself is deleted.
			 */
			cancelUpload: {
				visibility: "public",
				permissions: ["student"],
				params: { uploadId: { type: "uuid" } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const replacements = { uploadId: ctx.params.uploadId, ownerId: ctx.meta.user!.id };
					const uploads = (await this.queryAs(
						this.ownActor(ctx),
						`SELECT state FROM videos WHERE upload_id = :uploadId AND owner_id = :ownerId AND deleted_at IS NULL
						 UNION ALL SELECT state FROM sensor_files WHERE upload_id = :uploadId AND owner_id = :ownerId AND deleted_at IS NULL`,
						replacements
					)) as Array<{ state: string }>;
					if (uploads.length === 0) throw new NotFoundError("Upload", "ERR_UPLOAD_NOT_FOUND");
					if (uploads.some((upload) => upload.state !== "uploading")) {
						throw new EtudeClientError("This upload is complete: delete the recording instead", 409, "ERR_UPLOAD_COMPLETE");
					}
					for (const table of ["videos", "sensor_files"]) {
						await this.queryAs(this.ownActor(ctx), `UPDATE ${table} SET deleted_at = now() WHERE upload_id = :uploadId AND state = 'uploading' AND deleted_at IS NULL`, replacements);
					}
				}
			},

			/** Told by the upload endpoint once every byte is stored. */
			uploadFinished: {
				visibility: "public",
				idempotent: true,
				permissions: ["student"],
				params: { uploadId: { type: "uuid" } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [video] = await this.queryAs(
						this.ownActor(ctx),
						`UPDATE videos SET state = 'queued', updated_at = now() WHERE upload_id = :uploadId AND state = 'uploading' RETURNING id`, { uploadId: ctx.params.uploadId });
					if (video) {
						await this.broker.sendToChannel("media.process", { videoId: (video as { id: string }).id });
						return;
					}
					await this.acceptSensorFile(ctx.params.uploadId);
				}
			},

			/** Asked by the upload endpoint before a single byte of a forum picture or clip is stored. */
			createForumUpload: {
				visibility: "public",
				permissions: ["authenticated"],
				params: {
					uploadId: { type: "string", pattern: FORUM_UPLOAD_ID },
					kind: { type: "enum", values: FORUM_UPLOAD_KINDS },
					sizeBytes: { type: "number", integer: true, min: 0 }
				},
				async handler(ctx: MediaContext<{ uploadId: string; kind: ForumUploadKind; sizeBytes: number }>): Promise<void> {
					const { uploadId, kind, sizeBytes } = ctx.params;
					const ownerId = ctx.meta.user!.id;
					const limit = Math.min(FORUM_UPLOAD_MAX_BYTES[kind], config.uploadMaxBytes);
					if (sizeBytes > limit) {
						throw new EtudeClientError(`This file is larger than the ${Math.floor(limit / 1024 ** 2)} MiB allowed for a ${kind === "forum-image" ? "picture" : "clip"}`, 413, "ERR_UPLOAD_TOO_LARGE", { limitBytes: limit });
					}
					await this.assertQuotaFor(ownerId, sizeBytes);
					await this.queryAs(
						this.ownActor(ctx),
						`INSERT INTO forum_media (id, owner_id, upload_id, kind, size_bytes) VALUES (:id, :ownerId, :uploadId, :kind, :sizeBytes)`,
						{ id: forumMediaIdOf(uploadId), ownerId, uploadId, kind: kind === "forum-image" ? "image" : "clip", sizeBytes }
					);
				}
			},

			/** The forum counterpart of authorizeUpload: only the uploader continues an upload. */
			authorizeForumUpload: {
				visibility: "public",
				idempotent: true,
				permissions: ["authenticated"],
				params: { uploadId: { type: "string", pattern: FORUM_UPLOAD_ID } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [found] = await this.queryAs(this.ownActor(ctx), "SELECT 1 FROM forum_media WHERE upload_id = :uploadId AND deleted_at IS NULL", { uploadId: ctx.params.uploadId });
					if (!found) throw new NotFoundError("Upload", "ERR_UPLOAD_NOT_FOUND");
				}
			},

			/** Abandoning a forum upload in progress abandons its item; a finished one is deleted as media instead. */
			cancelForumUpload: {
				visibility: "public",
				permissions: ["authenticated"],
				params: { uploadId: { type: "string", pattern: FORUM_UPLOAD_ID } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [upload]: Array<{ state: VideoState }> = await this.queryAs(
						this.ownActor(ctx),
						"SELECT state FROM forum_media WHERE upload_id = :uploadId AND deleted_at IS NULL",
						{ uploadId: ctx.params.uploadId }
					);
					if (!upload) throw new NotFoundError("Upload", "ERR_UPLOAD_NOT_FOUND");
					if (upload.state !== "uploading") throw new EtudeClientError("This upload is complete: delete the media instead", 409, "ERR_UPLOAD_COMPLETE");
					await this.queryAs(this.ownActor(ctx), "UPDATE forum_media SET deleted_at = now() WHERE upload_id = :uploadId AND state = 'uploading' AND deleted_at IS NULL", { uploadId: ctx.params.uploadId });
				}
			},

			forumUploadFinished: {
				visibility: "public",
				idempotent: true,
				permissions: ["authenticated"],
				params: { uploadId: { type: "string", pattern: FORUM_UPLOAD_ID } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [media]: Array<{ id: string }> = await this.queryAs(
						this.ownActor(ctx),
						"UPDATE forum_media SET state = 'queued', updated_at = now() WHERE upload_id = :uploadId AND state = 'uploading' RETURNING id",
						{ uploadId: ctx.params.uploadId }
					);
					if (media) await this.broker.sendToChannel("media.forum", { mediaId: media.id });
				}
			},

			forumMedia: {
				rest: "GET /forum-media/:id",
				permissions: ["$owner"],
				needEntity: true,
				entity: "forumMedia",
				openapi: { summary: "One's own forum picture or clip: its processing state, and the markdown that embeds it once ready" },
				params: { $$strict: true, id: { type: "uuid" } },
				handler(ctx: MediaContext<{ id: string }>): ForumMediaView {
					const row = ctx.locals.entity as ForumMediaRow;
					return {
						id: row.id,
						kind: row.kind,
						state: row.state,
						failureCode: row.failureCode,
						failureReason: row.failureReason,
						width: row.width,
						height: row.height,
						durationS: row.durationS,
						markdown: `![](media:${row.id})`,
						createdAt: row.createdAt.toISOString()
					};
				}
			},

			removeForumMedia: {
				rest: "DELETE /forum-media/:id",
				permissions: ["$owner"],
				needEntity: true,
				entity: "forumMedia",
				openapi: { summary: "Delete one's forum picture or clip: posts that embed it show [media removed]; its files are purged" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: MediaContext<{ id: string }>): Promise<void> {
					await this.queryAs(this.ownActor(ctx), "UPDATE forum_media SET deleted_at = now() WHERE id = :id AND deleted_at IS NULL", { id: ctx.params.id });
					ctx.meta.$statusCode = 204;
				}
			},

			/**
			 * Serving: a browser fetches <img src> and <video src> without our bearer token, so the link
			 * itself carries the right, as playback links do. The community asks for links each time a
			 * post is read (forumMediaByIds with the reader as viewer): every link names its viewer and
			 * expires after an hour, and a stored rendering never holds one. Forum media are posted to
			 * the whole members' community, so whoever may read the post gets a link; deleted or purged
			 * media answer 404 at once. Only the re-encoded files are served, never the upload.
			 */
			serveForumMedia: {
				rest: "GET /forum-media/:id/:file",
				permissions: ["public"],
				openapi: { summary: "A forum picture, clip or poster (the link is signed for its viewer and expires)" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					file: { type: "enum", values: FORUM_MEDIA_FILES },
					viewer: { type: "uuid" },
					expires: { type: "number", integer: true, convert: true },
					signature: { type: "string", min: 1, max: 100 }
				},
				async handler(ctx: MediaContext<{ id: string; file: ForumMediaFile; viewer: string; expires: number; signature: string }>) {
					const { id, file, viewer, expires, signature } = ctx.params;
					verifyForumMediaLink(id, viewer, expires, signature, playbackSecret);
					const row: ForumMediaRow | undefined = await this.loadForumMedia(id);
					const key = row?.state === "ready" ? this.forumMediaFiles(row)[file] : undefined;
					if (!key) throw new NotFoundError("Media", "ERR_MEDIA_NOT_FOUND");
					const storage: ObjectStorage = this.storage;
					const info = await storage.stat(key);
					const range = requestedByteRange(ctx.meta.range, info.sizeBytes);
					if (range === "unsatisfiable") throw new EtudeClientError(`This file has ${info.sizeBytes} bytes`, 416, "ERR_RANGE_NOT_SATISFIABLE");
					ctx.meta.$responseType = file === "clip.mp4" ? "video/mp4" : "image/jpeg";
					// The files under an id never change (fixed keys, written once): the browser may keep them as long as the link lives.
					const headers = { "Cache-Control": "private, max-age=3600, immutable", "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline", "Accept-Ranges": "bytes" };
					if (!range) {
						ctx.meta.$responseHeaders = { ...headers, "Content-Length": String(info.sizeBytes) };
						return storage.get(key);
					}
					// A player reading the clip in parts (Safari always does; every browser when seeking).
					ctx.meta.$statusCode = 206;
					ctx.meta.$responseHeaders = { ...headers, "Content-Length": String(range.end - range.start + 1), "Content-Range": `bytes ${range.start}-${range.end}/${info.sizeBytes}` };
					return storage.getRange(key, range.start, range.end);
				}
			},

			/** Forum media by id, for the community to check a reference (owner, state) and embed it for `viewerId`. */
			forumMediaByIds: {
				visibility: "public",
				idempotent: true,
				params: { ids: { type: "array", items: "uuid", max: 100 }, viewerId: { type: "uuid", optional: true } },
				async handler(ctx: Context<{ ids: string[]; viewerId?: string }>): Promise<Record<string, ForumMediaFacts>> {
					if (ctx.params.ids.length === 0) return {};
					// The caller (the community) decides who reads the posts these are embedded in.
					const rows = (await this.queryAsSystem(
						`SELECT ${columnsOf(this.models.ForumMedia, "f")} FROM forum_media f WHERE f.id = ANY(:ids::uuid[]) AND f.deleted_at IS NULL`,
						{ ids: sqlArray(ctx.params.ids) }
					)) as ForumMediaRow[];
					return Object.fromEntries(rows.map((row) => [row.id, this.forumMediaFacts(row, ctx.params.viewerId)]));
				}
			},

			videosBySession: {
				visibility: "public",
				idempotent: true,
				params: { sessionIds: { type: "array", items: "uuid" } },
				async handler(ctx: Context<{ sessionIds: string[] }>): Promise<Record<string, VideoView[]>> {
					if (ctx.params.sessionIds.length === 0) return {};
					const rows = (await this.queryAsSystem(
						`SELECT ${columnsOf(this.models.primary, "v")} FROM videos v WHERE v.session_id = ANY(:ids::uuid[]) AND v.deleted_at IS NULL ORDER BY v.created_at`, { ids: `{${ctx.params.sessionIds.join(",")}}` })) as VideoRow[];
					const views: Record<string, VideoView[]> = {};
					for (const row of rows) (views[row.sessionId] ??= []).push(await this.toView(row, (ctx.meta as EtudeMeta).user?.id));
					return views;
				}
			},

			/** Whose recording each video is and how long it runs, for services that attach things to a moment in it. */
			recordingsById: {
				visibility: "public",
				idempotent: true,
				params: { videoIds: { type: "array", items: "uuid", max: 500 } },
				async handler(ctx: Context<{ videoIds: string[] }>): Promise<Record<string, RecordingFacts>> {
					if (ctx.params.videoIds.length === 0) return {};
					// The caller decides who may know of these recordings.
					const rows = (await this.queryAsSystem(
						`SELECT v.id AS "videoId", v.session_id AS "sessionId", v.owner_id AS "studentId", v.state, v.duration_s AS "durationS"
						 FROM videos v WHERE v.id = ANY(:ids::uuid[]) AND v.deleted_at IS NULL`,
						{ ids: sqlArray(ctx.params.videoIds) }
					)) as Array<Omit<RecordingFacts, "durationMs"> & { durationS: number | null }>;
					return Object.fromEntries(
						rows.map(({ durationS, ...row }) => [row.videoId, { ...row, durationMs: durationS === null ? null : Math.round(durationS * 1000) }])
					);
				}
			},

			/** Recordings of these students that failed since `since`, newest first (a teacher's roster). */
			recentFailuresOfStudents: {
				visibility: "public",
				idempotent: true,
				params: { studentIds: { type: "array", items: "uuid", max: 1000 }, since: { type: "date", convert: true } },
				async handler(ctx: Context<{ studentIds: string[]; since: Date }>): Promise<FailedRecording[]> {
					if (ctx.params.studentIds.length === 0) return [];
					const rows = (await this.queryAsSystem(
						`SELECT v.owner_id AS "studentId", v.id AS "videoId", v.session_id AS "sessionId", v.updated_at AS "failedAt", v.failure_code AS "failureCode"
						 FROM videos v WHERE v.owner_id = ANY(:ids::uuid[]) AND v.state = 'failed' AND v.deleted_at IS NULL AND v.updated_at >= :since
						 ORDER BY v.updated_at DESC`,
						{ ids: sqlArray(ctx.params.studentIds), since: ctx.params.since }
					)) as Array<Omit<FailedRecording, "failedAt"> & { failedAt: Date }>;
					return rows.map((row) => ({ ...row, failedAt: row.failedAt.toISOString() }));
				}
			},

			playlist: {
				rest: "GET /videos/:id/hls/:file",
				permissions: ["public"],
				openapi: { summary: "A video's HLS playlist with signed segment addresses (the link itself is signed)" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					file: { type: "enum", values: RENDITIONS.map((rendition) => `${rendition}.m3u8`) },
					viewer: { type: "uuid" },
					expires: { type: "number", integer: true, convert: true },
					signature: { type: "string", min: 1, max: 100 }
				},
				async handler(ctx: MediaContext<{ id: string; file: string; viewer: string; expires: number; signature: string }>): Promise<string> {
					const rendition = ctx.params.file.replace(".m3u8", "") as Rendition;
					verifyPlaylistSignature(ctx.params.id, rendition, ctx.params.viewer, ctx.params.expires, ctx.params.signature, playbackSecret);
					const row: VideoRow | undefined = await this.loadVideo(ctx.params.id);
					const playlistKey = rendition === "720p" ? row?.playlistKey : row?.quickPlaylistKey;
					if (!row || !playlistKey || !(await this.mayWatch(ctx, ctx.params.viewer, row))) throw new NotFoundError("Video", "ERR_VIDEO_NOT_FOUND");
					const storage: ObjectStorage = this.storage;
					const folder = playlistKey.slice(0, playlistKey.lastIndexOf("/") + 1);
					const playlist = (await buffer(await storage.get(playlistKey))).toString("utf8");
					ctx.meta.$responseType = "application/vnd.apple.mpegurl";
					ctx.meta.$responseHeaders = { "Cache-Control": "private, max-age=60" };
					return rewritePlaylist(playlist, (uri) => storage.presignedGetUrl(`${folder}${uri}`, 3600));
				}
			},

			remove: {
				rest: "DELETE /videos/:id",
				permissions: ["$owner"],
				needEntity: true,
				openapi: { summary: "Delete a recording; its files are purged" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: MediaContext<{ id: string }>): Promise<void> {
					const video = ctx.locals.entity as VideoRow;
					const actor = this.ownActor(ctx);
					// Recorded with the deletion: the recording's pins and metrics go only when it arrives.
					const announced = await this.transactionAs(actor, async (transaction: Transaction) => {
						await this.models.primary.update({ deletedAt: new Date() }, { where: { id: video.id, deletedAt: null }, transaction });
						return this.recordEvent(transaction, actor, "media.video_deleted", { videoId: video.id, sessionId: video.sessionId, studentId: video.ownerId });
					});
					await this.sendRecorded([announced]);
					ctx.meta.$statusCode = 204;
				}
			},

			/** For operators (npm run requeue): recordings that exhausted their retries are processed again from the start. */
			requeue: {
				visibility: "public",
				idempotent: true,
				params: { videoIds: { type: "array", items: "uuid", min: 1, max: 1000 } },
				async handler(ctx: Context<{ videoIds: string[] }>): Promise<{ requeued: string[] }> {
					const rows: Array<{ id: string }> = await this.queryAsSystem(
						`UPDATE videos SET state = 'queued', attempts = 0, progress_percent = 0, failure_code = NULL, failure_reason = NULL, updated_at = now()
						 WHERE id = ANY(:videoIds::uuid[]) AND state = 'failed' AND failure_code = :gaveUp AND deleted_at IS NULL RETURNING id`,
						{ videoIds: `{${ctx.params.videoIds.join(",")}}`, gaveUp: GAVE_UP.code }
					);
					for (const { id } of rows) await this.broker.sendToChannel("media.process", { videoId: id });
					return { requeued: rows.map((row) => row.id) };
				}
			},

			/** Removes the files of deleted recordings, then their rows; also runs on a timer. */
			purgeDeleted: {
				visibility: "public",
				idempotent: true,
				async handler(): Promise<{ videos: number; sensorFiles: number; forumMedia: number }> {
					return this.purgeDeleted();
				}
			}
		},

		channels: {
			// A deleted session's recordings and sensor files go (their files with the next purge), durably.
			"sessions.deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"sessions.deleted">>) {
					for (const table of ["videos", "sensor_files"]) {
						await this.queryAsSystem(`UPDATE ${table} SET deleted_at = now() WHERE session_id = :sessionId AND deleted_at IS NULL`, { sessionId: ctx.params.sessionId });
					}
				}
			},
		},

		methods: {
			async findEntity(ctx: MediaContext<{ id: string }>): Promise<VideoRow | ForumMediaRow> {
				if ((ctx.action as { entity?: string } | undefined)?.entity === "forumMedia") {
					const [media] = (await this.queryAs(this.ownActor(ctx), `SELECT ${columnsOf(this.models.ForumMedia, "f")} FROM forum_media f WHERE f.id = :id AND f.deleted_at IS NULL`, {
						id: ctx.params.id
					})) as ForumMediaRow[];
					if (!media) throw new NotFoundError("Media", "ERR_MEDIA_NOT_FOUND");
					return media;
				}
				const [row] = (await this.queryAs(this.ownActor(ctx), `SELECT ${columnsOf(this.models.primary, "v")} FROM videos v WHERE v.id = :id AND v.deleted_at IS NULL`, {
					id: ctx.params.id
				})) as VideoRow[];
				if (!row || row.ownerId !== ctx.meta.user!.id) throw new NotFoundError("Video", "ERR_VIDEO_NOT_FOUND");
				return row;
			},

			isEntityOwner(ctx: MediaContext): boolean {
				return (ctx.locals.entity as VideoRow | ForumMediaRow).ownerId === ctx.meta.user!.id;
			},

			async assertQuotaFor(ownerId: string, sizeBytes: number): Promise<void> {
				const used = await this.storedBytesOf(ownerId);
				if (used + sizeBytes > config.uploadQuotaBytes) {
					throw new EtudeClientError("Your storage is full; delete old recordings to make room", 413, "ERR_QUOTA_EXCEEDED", {
						usedBytes: used,
						quotaBytes: config.uploadQuotaBytes
					});
				}
			},

			async storedBytesOf(ownerId: string): Promise<number> {
				const [usage] = (await this.queryAsSystem(
					`SELECT (SELECT coalesce(sum(size_bytes), 0) FROM videos WHERE owner_id = :ownerId AND deleted_at IS NULL)
					      + (SELECT coalesce(sum(size_bytes), 0) FROM sensor_files WHERE owner_id = :ownerId AND deleted_at IS NULL)
					      + (SELECT coalesce(sum(size_bytes), 0) FROM forum_media WHERE owner_id = :ownerId AND deleted_at IS NULL) AS bytes`, { ownerId })) as Array<{ bytes: string }>;
				return Number(usage!.bytes);
			},

			/** The owner, or a teacher linked to the owner right now (links are cached and cleared the moment they change). */
			async mayWatch(ctx: Context, viewerId: string, row: VideoRow): Promise<boolean> {
				if (viewerId === row.ownerId) return true;
				const teacherIds: string[] = await ctx.call("auth.linkedTeacherIds", { studentId: row.ownerId });
				return teacherIds.includes(viewerId);
			},

			/** A playback link only for someone the caller (who may read the session) is: `viewerId`; none without one. */
			async toView(row: VideoRow, viewerId: string | undefined): Promise<VideoView> {
				const storage: ObjectStorage = this.storage;
				const rendition: Rendition | null = row.playlistKey ? "720p" : row.quickPlaylistKey ? "quick" : null;
				return {
					id: row.id,
					state: row.state,
					progress: row.progressPercent,
					failureCode: row.failureCode,
					failureReason: row.failureReason,
					durationS: row.durationS,
					hlsUrl: rendition && viewerId ? signedPlaylistPath(row.id, rendition, viewerId, playbackSecret) : null,
					rotationDegrees: rendition === "quick" ? row.rotationDegrees : 0,
					thumbnailUrl: row.thumbnailKey ? await storage.presignedGetUrl(row.thumbnailKey, 3600) : null,
					createdAt: row.createdAt.toISOString()
				};
			},

			async acceptSensorFile(uploadId: string): Promise<void> {
				const [file] = (await this.queryAsSystem(
					`SELECT id, session_id AS "sessionId" FROM sensor_files WHERE upload_id = :uploadId AND state = 'uploading'`, { uploadId })) as Array<{ id: string; sessionId: string }>;
				if (!file) return;
				const storage: ObjectStorage = this.storage;
				try {
					const recording = parseSensorFile(await buffer(await storage.get(uploadId)));
					await this.queryAsSystem("UPDATE sensor_files SET state = 'ready', sample_count = :count, updated_at = now() WHERE id = :id", { id: file.id, count: recording.samples.length });
				} catch (error) {
					const rejection = error as { type?: string; message: string };
					await storage.deletePrefix(uploadId);
					await this.queryAsSystem(
						"UPDATE sensor_files SET state = 'failed', failure_code = :code, failure_reason = :reason, updated_at = now() WHERE id = :id", { id: file.id, code: rejection.type ?? "ERR_SENSOR_FORMAT", reason: rejection.message });
					return;
				}
				// A recording already analysed without its sensor file is analysed again with it.
				const analysed = (await this.queryAsSystem(
					`SELECT ${columnsOf(this.models.primary, "v")} FROM videos v WHERE v.session_id = :sessionId AND v.audio_key IS NOT NULL AND v.deleted_at IS NULL`, { sessionId: file.sessionId })) as VideoRow[];
				for (const video of analysed) await this.announceAudio(video);
			},

			/** The files an item has, by served name: a picture has its image, a clip its clip and poster. */
			forumMediaFiles(row: ForumMediaRow): Partial<Record<ForumMediaFile, string>> {
				if (row.kind === "image") return row.mediaKey ? { "image.jpg": row.mediaKey } : {};
				return { ...(row.mediaKey && { "clip.mp4": row.mediaKey }), ...(row.posterKey && { "poster.jpg": row.posterKey }) };
			},

			forumMediaFacts(row: ForumMediaRow, viewerId: string | undefined): ForumMediaFacts {
				const query = viewerId ? signedForumMediaQuery(row.id, viewerId, playbackSecret) : undefined;
				const ready = row.state === "ready" && row.mediaKey !== null;
				return {
					id: row.id,
					ownerId: row.ownerId,
					kind: row.kind,
					state: row.state,
					embed: ready
						? {
								kind: row.kind,
								width: row.width ?? 0,
								height: row.height ?? 0,
								src: forumMediaPath(row.id, row.kind === "image" ? "image.jpg" : "clip.mp4", query),
								poster: row.kind === "clip" ? forumMediaPath(row.id, "poster.jpg", query) : null
							}
						: null
				};
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const storage: ObjectStorage = this.storage;
				const videos = (await this.queryAsSystem("SELECT * FROM videos WHERE owner_id = :userId ORDER BY created_at", { userId })) as Array<Record<string, unknown>>;
				const sensorFiles = (await this.queryAsSystem("SELECT * FROM sensor_files WHERE owner_id = :userId ORDER BY created_at", { userId })) as Array<Record<string, unknown>>;
				const objects: NonNullable<PersonalDataExport["objects"]> = [];
				// The originals as uploaded (renditions are derived from them); a deleted one waits for its purge and is not offered.
				for (const video of videos.filter((row) => row.deleted_at === null && row.upload_id && row.state !== "uploading")) {
					const head = await headOf(storage, video.upload_id as string);
					if (head) objects.push({ key: video.upload_id as string, fileName: `recordings/${video.id as string}${extensionOf(head)}` });
				}
				for (const file of sensorFiles.filter((row) => row.deleted_at === null && row.state === "ready")) {
					objects.push({ key: file.upload_id as string, fileName: `sensors/${file.id as string}.json` });
				}
				const forumMedia = (await this.queryAsSystem(`SELECT ${columnsOf(this.models.ForumMedia, "f")} FROM forum_media f WHERE f.owner_id = :userId ORDER BY f.created_at`, { userId })) as ForumMediaRow[];
				// The files as the community shows them (the upload itself is deleted once processed).
				for (const media of forumMedia.filter((row) => row.deletedAt === null && row.state === "ready")) {
					for (const [file, key] of Object.entries(this.forumMediaFiles(media))) objects.push({ key: key as string, fileName: `forum-media/${media.id}/${file}` });
				}
				return { tables: { videos, sensor_files: sensorFiles, forum_media: forumMedia }, objects };
			},

			/** Every recording and sensor file of the user, their files in the bucket first. */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				for (const table of ["videos", "sensor_files", "forum_media"]) {
					await this.queryAsSystem(`UPDATE ${table} SET deleted_at = coalesce(deleted_at, now()) WHERE owner_id = :userId`, { userId });
				}
				await this.purgeDeleted(userId);
			},

			/** Files, then rows, of deleted recordings, sensor files and forum media (of one owner when given). */
			async purgeDeleted(ownerId?: string): Promise<{ videos: number; sensorFiles: number; forumMedia: number }> {
				const storage: ObjectStorage = this.storage;
				const ofOwner = ownerId ? "AND owner_id = :ownerId" : "";
				const videos = (await this.queryAsSystem(`SELECT id, upload_id AS "uploadId" FROM videos WHERE deleted_at IS NOT NULL ${ofOwner}`, { ownerId })) as Array<{ id: string; uploadId: string | null }>;
				for (const video of videos) {
					if (video.uploadId) await storage.deletePrefix(video.uploadId);
					await storage.deletePrefix(`recordings/${video.id}/`);
					await this.queryAsSystem("DELETE FROM videos WHERE id = :id", { id: video.id });
				}
				const sensorFiles = (await this.queryAsSystem(`SELECT id, upload_id AS "uploadId" FROM sensor_files WHERE deleted_at IS NOT NULL ${ofOwner}`, { ownerId })) as Array<{ id: string; uploadId: string }>;
				for (const file of sensorFiles) {
					await storage.deletePrefix(file.uploadId);
					await this.queryAsSystem("DELETE FROM sensor_files WHERE id = :id", { id: file.id });
				}
				const forumMedia = (await this.queryAsSystem(`SELECT id, upload_id AS "uploadId" FROM forum_media WHERE deleted_at IS NOT NULL ${ofOwner}`, { ownerId })) as Array<{ id: string; uploadId: string }>;
				for (const media of forumMedia) {
					await storage.deletePrefix(media.uploadId);
					await storage.deletePrefix(FORUM_MEDIA_PREFIX(media.id));
					await this.queryAsSystem("DELETE FROM forum_media WHERE id = :id", { id: media.id });
				}
				return { videos: videos.length, sensorFiles: sensorFiles.length, forumMedia: forumMedia.length };
			}
		},

	};
}
