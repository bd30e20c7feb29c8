import { randomUUID } from "node:crypto";
import { buffer } from "node:stream/consumers";
import type { Context, Service, ServiceSchema } from "moleculer";
import { DataTypes, type Sequelize } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { EtudeClientError, NotFoundError } from "../../lib/errors";
import { requestedByteRange } from "../../lib/http-range";
import { columnsOf } from "../../lib/db/columns";
import { FORUM_MEDIA_FILES, forumMediaPath, type EmbeddableMedia, type ForumMediaFile } from "../../lib/forum-media";
import { DEAD_LETTER_CHANNEL, deadLetterOrigin, ensureChannelStreams } from "../../lib/channels";
import { sqlArray } from "../../lib/db/sql-arrays";
import { publishDomainEvent, READS_KEPT_MESSAGES, type DomainEvent } from "../../lib/domain-events";
import type { NodeConfig } from "../../lib/node-config";
import { deriveSecret } from "../../lib/secrets";
import { parseSensorFile, SENSOR_FILE_LIMITS } from "../../lib/sensor-file";
import type { ObjectStorage } from "../../lib/storage";
import { DbMixin } from "../../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import { MediaOperationAbortedError, RecordingRejectedError } from "./errors";
import { useFfmpegBinaries, warmUpFfmpeg } from "./ffmpeg";
import { FORUM_UPLOAD_ID, FORUM_UPLOAD_KINDS, forumMediaIdOf, type ForumUploadKind } from "./paths";
import { prepareForumMedia, prepareRecording, transcodeRecording, type ForumMediaKind } from "./pipeline";
import { signedForumMediaQuery, verifyForumMediaLink } from "./signed-links";
import { RENDITIONS, rewritePlaylist, signedPlaylistPath, verifyPlaylistSignature, type Rendition } from "./playlist";

export type UploadKind = "video" | "sensors";
type VideoState = "uploading" | "queued" | "processing" | "ready" | "failed";

interface VideoRow {
	id: string;
	sessionId: string;
	ownerId: string;
	uploadId: string;
	state: VideoState;
	progressPercent: number;
	failureCode: string | null;
	failureReason: string | null;
	sizeBytes: string;
	durationS: number | null;
	audioKey: string | null;
	thumbnailKey: string | null;
	quickPlaylistKey: string | null;
	playlistKey: string | null;
	rotationDegrees: number;
	attempts: number;
	/** When the practice session started, for the analysis time series. */
	recordedAt: Date;
	createdAt: Date;
}

export interface VideoView {
	id: string;
	state: VideoState;
	progress: number;
	failureCode: string | null;
	failureReason: string | null;
	durationS: number | null;
	/** Plays the 720p rendition when ready, else the quick one; null until one exists. */
	hlsUrl: string | null;
	/** Clockwise rotation the player applies itself (the quick rendition keeps the phone's orientation). */
	rotationDegrees: number;
	thumbnailUrl: string | null;
	createdAt: string;
}

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

/** What media.audio_ready carries to the analysis workers. */
export interface AudioReadyMessage {
	videoId: string;
	sessionId: string;
	studentId: string;
	audioKey: string;
	sensorsKey: string | null;
	durationMs: number;
	recordedAt: string;
}

type MediaContext<P = Record<string, never>> = Context<P, EtudeMeta>;

const VIDEO_COLUMNS = `v.id, v.session_id AS "sessionId", v.owner_id AS "ownerId", v.upload_id AS "uploadId", v.state,
	v.progress_percent AS "progressPercent", v.failure_code AS "failureCode", v.failure_reason AS "failureReason",
	v.size_bytes AS "sizeBytes", v.duration_s AS "durationS", v.audio_key AS "audioKey", v.thumbnail_key AS "thumbnailKey",
	v.quick_playlist_key AS "quickPlaylistKey", v.playlist_key AS "playlistKey", v.rotation_degrees AS "rotationDegrees",
	v.attempts, v.recorded_at AS "recordedAt", v.created_at AS "createdAt"`;

const WORKER_HEARTBEAT_MS = 5_000;
const PROGRESS_WRITE_INTERVAL_MS = 1_000;
const PURGE_INTERVAL_MS = 60_000;
const MAX_RETRY_DELAY_MS = 30_000;

function defineModels(sequelize: Sequelize) {
	const Video = sequelize.define(
		"Video",
		{
			id: { type: DataTypes.UUID, primaryKey: true },
			sessionId: { type: DataTypes.UUID, allowNull: false },
			ownerId: { type: DataTypes.UUID, allowNull: false }
		},
		{ tableName: "videos" }
	);
	const ForumMedia = sequelize.define(
		"ForumMedia",
		{
			id: { type: DataTypes.UUID, primaryKey: true },
			ownerId: { type: DataTypes.UUID, allowNull: false },
			uploadId: { type: DataTypes.TEXT, allowNull: false },
			kind: { type: DataTypes.TEXT, allowNull: false },
			state: { type: DataTypes.TEXT, allowNull: false },
			sizeBytes: { type: DataTypes.BIGINT, allowNull: false },
			failureCode: { type: DataTypes.TEXT },
			failureReason: { type: DataTypes.TEXT },
			width: { type: DataTypes.INTEGER },
			height: { type: DataTypes.INTEGER },
			durationS: { type: DataTypes.REAL },
			mediaKey: { type: DataTypes.TEXT },
			posterKey: { type: DataTypes.TEXT },
			attempts: { type: DataTypes.INTEGER, allowNull: false },
			deletedAt: { type: DataTypes.DATE }
		},
		{ tableName: "forum_media" }
	);
	return { primary: Video, ForumMedia };
}

/** A forum picture or clip as stored (migrations/0015-forum-media.ts). */
interface ForumMediaRow {
	id: string;
	ownerId: string;
	uploadId: string;
	kind: ForumMediaKind;
	state: VideoState;
	sizeBytes: string;
	failureCode: string | null;
	failureReason: string | null;
	width: number | null;
	height: number | null;
	durationS: number | null;
	mediaKey: string | null;
	posterKey: string | null;
	attempts: number;
	deletedAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

/** What the owner sees of an item while it is processed, and the reference to paste once it is ready. */
export interface ForumMediaView {
	id: string;
	kind: ForumMediaKind;
	state: VideoState;
	failureCode: string | null;
	failureReason: string | null;
	width: number | null;
	height: number | null;
	durationS: number | null;
	markdown: string;
	createdAt: string;
}

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
/** A picture takes well under a second and a minute of clip some seconds: far past that, ffmpeg is stuck on a hostile file. */
const FORUM_PROCESSING_TIMEOUT_MS: Record<ForumMediaKind, number> = { image: 60_000, clip: 300_000 };
const FORUM_MEDIA_PREFIX = (mediaId: string) => `forum-media/${mediaId}/`;

/** The channel message and the JetStream delivery it came with (absent in-process). */
interface Delivery {
	working?: () => void;
}

interface MediaWorker {
	processVideo(videoId: string, delivery?: Delivery): Promise<void>;
	processForumMedia(mediaId: string, delivery?: Delivery): Promise<void>;
	giveUpOnForumMedia(mediaId: string): Promise<void>;
	transcodeVideo(videoId: string, delivery?: Delivery): Promise<void>;
	giveUpOn(videoId: string): Promise<void>;
}

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

const GAVE_UP = { code: "ERR_PROCESSING_FAILED", reason: "We could not process this recording; please upload it again." };
const FORUM_TIMED_OUT = { type: "ERR_PROCESSING_TIMEOUT", message: "This file took too long to convert; try a shorter or smaller one." };

/**
 * Recordings from upload to playable, analysed video. Uploads arrive through tus at the
 * gateway (services/media/uploads.ts), which asks this service whether each may start and
 * tells it when one is complete. Processing runs from a durable channel, so a worker that
 * dies mid-job leaves the job to another; every output has a fixed key per video, so a job
 * run twice overwrites rather than duplicates.
 */
export default function mediaService(config: NodeConfig): ServiceSchema {
	const playbackSecret = deriveSecret(config.jwtSecret, "playback urls");

	return {
		name: "media",
		mixins: [DbMixin(defineModels), StorageMixin(config), PersonalDataMixin()],
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
						`SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.session_id = ANY(:ids::uuid[]) AND v.deleted_at IS NULL ORDER BY v.created_at`, { ids: `{${ctx.params.sessionIds.join(",")}}` })) as VideoRow[];
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
					await this.queryAs(this.ownActor(ctx), "UPDATE videos SET deleted_at = now() WHERE id = :id AND deleted_at IS NULL", { id: video.id });
					await publishDomainEvent(this.broker, "media.video_deleted", { videoId: video.id, sessionId: video.sessionId, studentId: video.ownerId });
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
			"media.process": {
				group: "media-workers",
				// Redelivery goes to another worker if this one stops sending heartbeats.
				nats: { consumerOptions: { config: { ack_wait: 20_000_000_000 } } },
				async handler(this: MediaWorker, ctx: Context<{ videoId: string }>, delivery?: Delivery) {
					await this.processVideo(ctx.params.videoId, delivery);
				}
			},
			"media.transcode": {
				group: "media-transcoders",
				nats: { consumerOptions: { config: { ack_wait: 20_000_000_000 } } },
				async handler(this: MediaWorker, ctx: Context<{ videoId: string }>, delivery?: Delivery) {
					await this.transcodeVideo(ctx.params.videoId, delivery);
				}
			},
			"media.forum": {
				group: "media-forum-workers",
				nats: { consumerOptions: { config: { ack_wait: 20_000_000_000 } } },
				async handler(this: MediaWorker, ctx: Context<{ mediaId: string }>, delivery?: Delivery) {
					await this.processForumMedia(ctx.params.mediaId, delivery);
				}
			},
			// A deleted session's recordings and sensor files go (their files with the next purge), durably.
			"sessions.deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"sessions.deleted">>) {
					for (const table of ["videos", "sensor_files"]) {
						await this.queryAsSystem(`UPDATE ${table} SET deleted_at = now() WHERE session_id = :sessionId AND deleted_at IS NULL`, { sessionId: ctx.params.sessionId });
					}
				}
			},
			// JetStream gave up on a job after its last delivery: the recording ends failed, with a
			// reason the app shows, instead of "processing" for ever.
			[DEAD_LETTER_CHANNEL]: {
				group: "media-dead-letters",
				deadLettering: { enabled: false },
				async handler(this: MediaWorker & Service, ctx: Context<{ videoId?: string; mediaId?: string }>, raw: unknown) {
					const origin = deadLetterOrigin(this.broker, raw);
					if (origin === "media.forum" && typeof ctx.params.mediaId === "string") {
						await this.giveUpOnForumMedia(ctx.params.mediaId);
						return;
					}
					if ((origin !== "media.process" && origin !== "media.transcode") || typeof ctx.params.videoId !== "string") return;
					await this.giveUpOn(ctx.params.videoId);
				}
			}
		},

		events: {
			// In-process channels keep nothing across restarts: the database says what was left
			// unfinished, and this worker takes it up in the background once the node is up.
			async "$etude.ready"() {
				if (this.broker.transit) return;
				const unfinished = (await this.queryAsSystem(
					"SELECT id FROM videos WHERE state IN ('queued', 'processing') AND deleted_at IS NULL ORDER BY created_at")) as Array<{ id: string }>;
				const unfinishedForumMedia = (await this.queryAsSystem(
					"SELECT id FROM forum_media WHERE state IN ('queued', 'processing') AND deleted_at IS NULL ORDER BY created_at")) as Array<{ id: string }>;
				this.resumed = (async () => {
					for (const { id } of unfinished) await this.processVideo(id);
					for (const { id } of unfinishedForumMedia) await this.processForumMedia(id);
				})().catch((error: Error) => this.logger.warn("Resuming unfinished recordings failed", error));
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
				const [row] = (await this.queryAs(this.ownActor(ctx), `SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.id = :id AND v.deleted_at IS NULL`, {
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
					`SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.session_id = :sessionId AND v.audio_key IS NOT NULL AND v.deleted_at IS NULL`, { sessionId: file.sessionId })) as VideoRow[];
				for (const video of analysed) await this.announceAudio(video);
			},

			async sensorsKeyFor(sessionId: string): Promise<string | null> {
				const [file] = (await this.queryAsSystem(
					`SELECT upload_id AS "uploadId" FROM sensor_files WHERE session_id = :sessionId AND state = 'ready' AND deleted_at IS NULL
					 ORDER BY created_at DESC LIMIT 1`, { sessionId })) as Array<{ uploadId: string }>;
				return file?.uploadId ?? null;
			},

			async announceAudio(video: VideoRow): Promise<void> {
				const message: AudioReadyMessage = {
					videoId: video.id,
					sessionId: video.sessionId,
					studentId: video.ownerId,
					audioKey: video.audioKey!,
					sensorsKey: await this.sensorsKeyFor(video.sessionId),
					durationMs: Math.round((video.durationS ?? 0) * 1000),
					recordedAt: video.recordedAt.toISOString()
				};
				// Analysis workers may not be running yet: the stream keeps the message for them.
				this.audioStreamReady ??= ensureChannelStreams(this.broker, ["media.audio_ready"]);
				await this.audioStreamReady;
				await this.broker.sendToChannel("media.audio_ready", message);
				this.broker.emit("media.audio_ready", message);
			},

			async loadVideo(videoId: string): Promise<VideoRow | undefined> {
				const [row] = (await this.queryAsSystem(`SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.id = :id AND v.deleted_at IS NULL`, { id: videoId })) as VideoRow[];
				return row;
			},

			async updateVideo(videoId: string, assignments: string, replacements: Record<string, unknown> = {}): Promise<void> {
				await this.queryAsSystem(`UPDATE videos SET ${assignments}, updated_at = now() WHERE id = :videoId`, { ...replacements, videoId });
			},

			/**
			 * Runs one stage of a video's processing from its channel. The fast stage and the 720p
			 * transcode have channels of their own, so a recording's audio never waits behind
			 * another recording's transcode.
			 */
			async runStage(channel: "media.process" | "media.transcode", videoId: string, delivery: Delivery | undefined, stage: (video: VideoRow) => Promise<void>): Promise<void> {
				const video: VideoRow | undefined = await this.loadVideo(videoId);
				// Done, failed or deleted already: a redelivered job has nothing left to do.
				if (!video || video.state === "ready" || video.state === "failed") return;
				if (video.attempts >= config.channelMaxDeliveries) {
					await this.giveUpOn(videoId);
					return;
				}
				await this.updateVideo(videoId, "state = 'processing', attempts = attempts + 1, output_prefix = :prefix", { prefix: `recordings/${videoId}/` });
				const heartbeat = setInterval(() => delivery?.working?.(), WORKER_HEARTBEAT_MS);
				try {
					await stage(video);
				} catch (error) {
					if (error instanceof RecordingRejectedError) {
						// A rejected upload's bytes are not kept: gone before anyone can see the recording failed.
						await (this.storage as ObjectStorage).deletePrefix(video.uploadId);
						await this.failVideo(video, error.type, error.message);
						return;
					}
					this.logger.warn(`${channel} for video ${videoId} failed (attempt ${video.attempts + 1}); it will be retried`, error);
					// Back off before the job comes round again, from JetStream or, in-process, from us.
					await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** video.attempts, MAX_RETRY_DELAY_MS)));
					if (this.broker.transit) throw error;
					await this.broker.sendToChannel(channel, { videoId });
				} finally {
					clearInterval(heartbeat);
				}
			},

			async processVideo(videoId: string, delivery?: Delivery): Promise<void> {
				await this.runStage("media.process", videoId, delivery, async (video: VideoRow) => {
					await prepareRecording(this.storage, video.uploadId, `recordings/${videoId}/`, {
						audioReady: async ({ audioKey, durationMs }) => {
							await this.updateVideo(videoId, "audio_key = :audioKey, duration_s = :durationS, audio_ready_at = now()", {
								audioKey,
								durationS: durationMs / 1000
							});
							await this.announceAudio({ ...video, audioKey, durationS: durationMs / 1000 });
						},
						thumbnailReady: (thumbnailKey) => this.updateVideo(videoId, "thumbnail_key = :thumbnailKey", { thumbnailKey }),
						quickRenditionReady: (quickPlaylistKey, rotationDegrees) =>
							this.updateVideo(videoId, "quick_playlist_key = :quickPlaylistKey, rotation_degrees = :rotationDegrees", { quickPlaylistKey, rotationDegrees })
					});
					await this.broker.sendToChannel("media.transcode", { videoId });
				});
			},

			async transcodeVideo(videoId: string, delivery?: Delivery): Promise<void> {
				await this.runStage("media.transcode", videoId, delivery, async (video: VideoRow) => {
					let lastProgressWrite = 0;
					const playlistKey = await transcodeRecording(this.storage, video.uploadId, `recordings/${videoId}/`, {
						progress: (percent) => {
							if (Date.now() - lastProgressWrite < PROGRESS_WRITE_INTERVAL_MS) return;
							lastProgressWrite = Date.now();
							void this.updateVideo(videoId, "progress_percent = GREATEST(progress_percent, :percent)", { percent: Math.round(percent) });
						}
					});
					await this.updateVideo(videoId, "state = 'ready', progress_percent = 100, playlist_key = :playlistKey, processed = true, processed_at = now()", {
						playlistKey
					});
					this.broker.emit("media.processed", { videoId, sessionId: video.sessionId, studentId: video.ownerId });
				});
			},

			async failVideo(video: VideoRow, code: string, reason: string): Promise<void> {
				await this.updateVideo(video.id, "state = 'failed', failure_code = :code, failure_reason = :reason", { code, reason });
				const outcome = { videoId: video.id, sessionId: video.sessionId, studentId: video.ownerId, code };
				await publishDomainEvent(this.broker, "media.video_failed", outcome);
				// The local event beside the durable one is what benchmarks and progress listeners watch.
				this.broker.emit("media.failed", outcome);
			},

			async giveUpOn(videoId: string): Promise<void> {
				const video: VideoRow | undefined = await this.loadVideo(videoId);
				if (!video || video.state === "ready" || video.state === "failed") return;
				// The upload is kept, so that an operator can re-queue it (npm run requeue) once the cause is fixed.
				this.logger.warn(`Video ${videoId} exhausted its ${config.channelMaxDeliveries} deliveries: marking it failed`);
				await this.failVideo(video, GAVE_UP.code, GAVE_UP.reason);
			},

			async loadForumMedia(mediaId: string): Promise<ForumMediaRow | undefined> {
				const [row] = (await this.queryAsSystem(`SELECT ${columnsOf(this.models.ForumMedia, "f")} FROM forum_media f WHERE f.id = :id AND f.deleted_at IS NULL`, { id: mediaId })) as ForumMediaRow[];
				return row;
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

			async updateForumMedia(mediaId: string, assignments: string, replacements: Record<string, unknown> = {}): Promise<void> {
				await this.queryAsSystem(`UPDATE forum_media SET ${assignments}, updated_at = now() WHERE id = :mediaId`, { ...replacements, mediaId });
			},

			/**
			 * One forum item from the media.forum channel: re-encoded within a time limit, the original
			 * upload deleted once the outputs are stored (it may carry EXIF and GPS; nothing serves it).
			 * A file ffmpeg refuses, or one it is still stuck on at the limit, ends failed with a code;
			 * anything else (storage down) is retried with backoff until the deliveries run out.
			 */
			async processForumMedia(mediaId: string, delivery?: Delivery): Promise<void> {
				const media: ForumMediaRow | undefined = await this.loadForumMedia(mediaId);
				if (!media || (media.state !== "queued" && media.state !== "processing")) return;
				if (media.attempts >= config.channelMaxDeliveries) {
					await this.giveUpOnForumMedia(mediaId);
					return;
				}
				await this.updateForumMedia(mediaId, "state = 'processing', attempts = attempts + 1");
				const storage: ObjectStorage = this.storage;
				const heartbeat = setInterval(() => delivery?.working?.(), WORKER_HEARTBEAT_MS);
				const timeout = AbortSignal.timeout(FORUM_PROCESSING_TIMEOUT_MS[media.kind]);
				try {
					const outputs = await prepareForumMedia(storage, media.uploadId, FORUM_MEDIA_PREFIX(mediaId), media.kind, timeout);
					await this.updateForumMedia(mediaId, "state = 'ready', media_key = :mediaKey, poster_key = :posterKey, width = :width, height = :height, duration_s = :durationS", {
						mediaKey: outputs.mediaKey,
						posterKey: outputs.posterKey,
						width: outputs.width,
						height: outputs.height,
						durationS: outputs.durationSeconds
					});
					await storage.deletePrefix(media.uploadId);
				} catch (error) {
					const timedOut = error instanceof MediaOperationAbortedError && timeout.aborted;
					if (error instanceof RecordingRejectedError || timedOut) {
						await storage.deletePrefix(media.uploadId);
						await storage.deletePrefix(FORUM_MEDIA_PREFIX(mediaId));
						const { type, message } = timedOut ? FORUM_TIMED_OUT : (error as RecordingRejectedError);
						await this.updateForumMedia(mediaId, "state = 'failed', failure_code = :code, failure_reason = :reason", { code: type, reason: message });
						return;
					}
					this.logger.warn(`media.forum for ${mediaId} failed (attempt ${media.attempts + 1}); it will be retried`, error);
					await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** media.attempts, MAX_RETRY_DELAY_MS)));
					if (this.broker.transit) throw error;
					await this.broker.sendToChannel("media.forum", { mediaId });
				} finally {
					clearInterval(heartbeat);
				}
			},

			async giveUpOnForumMedia(mediaId: string): Promise<void> {
				await this.queryAsSystem(
					"UPDATE forum_media SET state = 'failed', failure_code = :code, failure_reason = :reason, updated_at = now() WHERE id = :mediaId AND state IN ('queued', 'processing')",
					{ mediaId, code: GAVE_UP.code, reason: GAVE_UP.reason }
				);
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

		created() {
			useFfmpegBinaries(config.ffmpeg);
		},

		async started() {
			// fluent-ffmpeg probes ffmpeg's capabilities once per process; pay that now, not on the first recording.
			warmUpFfmpeg().catch((error: Error) => this.logger.warn(`ffmpeg is not usable: ${error.message}`));
			this.purgeTimer = setInterval(() => {
				this.purgeDeleted().catch((error: Error) => this.logger.warn("Purging deleted recordings failed", error));
			}, PURGE_INTERVAL_MS);
		},

		async stopped() {
			clearInterval(this.purgeTimer);
			await this.resumed;
		}
	};
}
