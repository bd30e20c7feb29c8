import { randomUUID } from "node:crypto";
import { buffer } from "node:stream/consumers";
import type { Context, ServiceSchema } from "moleculer";
import { DataTypes, QueryTypes, type Sequelize } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { EtudeClientError, NotFoundError } from "../../lib/errors";
import { ensureChannelStreams } from "../../lib/channels";
import type { NodeConfig } from "../../lib/node-config";
import { deriveSecret } from "../../lib/secrets";
import { parseSensorFile, SENSOR_FILE_LIMITS } from "../../lib/sensor-file";
import type { ObjectStorage } from "../../lib/storage";
import { DbMixin } from "../../mixins/db.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import { RecordingRejectedError } from "./errors";
import { warmUpFfmpeg } from "./ffmpeg";
import { prepareRecording, transcodeRecording } from "./pipeline";
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
	return { primary: Video };
}

/** The channel message and the JetStream delivery it came with (absent in-process). */
interface Delivery {
	working?: () => void;
}

interface MediaWorker {
	processVideo(videoId: string, delivery?: Delivery): Promise<void>;
	transcodeVideo(videoId: string, delivery?: Delivery): Promise<void>;
}

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
		mixins: [DbMixin(defineModels), StorageMixin(config)],
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
					sizeBytes: { type: "number", integer: true, min: 0 }
				},
				async handler(ctx: MediaContext<{ uploadId: string; sessionId: string; kind: UploadKind; sizeBytes: number }>) {
					const { uploadId, sessionId, kind, sizeBytes } = ctx.params;
					const ownerId = ctx.meta.user!.id;
					// The practice service decides who may touch a session; anyone else gets its 404.
					const session: { startedAt: string } = await ctx.call("sessions.get", { id: sessionId });
					const limit = kind === "video" ? config.uploadMaxBytes : SENSOR_FILE_LIMITS.maxBytes;
					if (sizeBytes > limit) {
						throw new EtudeClientError(`This file is larger than the ${Math.floor(limit / 1024 ** 2)} MiB allowed`, 413, "ERR_UPLOAD_TOO_LARGE");
					}
					const used = await this.storedBytesOf(ownerId);
					if (used + sizeBytes > config.uploadQuotaBytes) {
						throw new EtudeClientError("Your storage is full; delete old recordings to make room", 413, "ERR_QUOTA_EXCEEDED", {
							usedBytes: used,
							quotaBytes: config.uploadQuotaBytes
						});
					}
					const replacements = { id: randomUUID(), sessionId, ownerId, uploadId, sizeBytes, recordedAt: session.startedAt };
					await this.sequelize.query(
						kind === "video"
							? `INSERT INTO videos (id, session_id, owner_id, upload_id, size_bytes, recorded_at)
							   VALUES (:id, :sessionId, :ownerId, :uploadId, :sizeBytes, :recordedAt)`
							: `INSERT INTO sensor_files (id, session_id, owner_id, upload_id, size_bytes) VALUES (:id, :sessionId, :ownerId, :uploadId, :sizeBytes)`,
						{ replacements }
					);
				}
			},

			/** Asked by the upload endpoint on every request that continues an upload. */
			authorizeUpload: {
				visibility: "public",
				permissions: ["student"],
				params: { uploadId: { type: "uuid" } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [found] = await this.sequelize.query(
						`SELECT 1 FROM videos WHERE upload_id = :uploadId AND owner_id = :ownerId AND deleted_at IS NULL
						 UNION ALL SELECT 1 FROM sensor_files WHERE upload_id = :uploadId AND owner_id = :ownerId AND deleted_at IS NULL`,
						{ replacements: { uploadId: ctx.params.uploadId, ownerId: ctx.meta.user!.id }, type: QueryTypes.SELECT }
					);
					if (!found) throw new NotFoundError("Upload", "ERR_UPLOAD_NOT_FOUND");
				}
			},

			/** Told by the upload endpoint once every byte is stored. */
			uploadFinished: {
				visibility: "public",
				permissions: ["student"],
				params: { uploadId: { type: "uuid" } },
				async handler(ctx: MediaContext<{ uploadId: string }>): Promise<void> {
					const [video] = await this.sequelize.query(
						`UPDATE videos SET state = 'queued', updated_at = now() WHERE upload_id = :uploadId AND state = 'uploading' RETURNING id`,
						{ replacements: { uploadId: ctx.params.uploadId }, type: QueryTypes.SELECT }
					);
					if (video) {
						await this.broker.sendToChannel("media.process", { videoId: (video as { id: string }).id });
						return;
					}
					await this.acceptSensorFile(ctx.params.uploadId);
				}
			},

			videosBySession: {
				visibility: "public",
				params: { sessionIds: { type: "array", items: "uuid" } },
				async handler(ctx: Context<{ sessionIds: string[] }>): Promise<Record<string, VideoView[]>> {
					if (ctx.params.sessionIds.length === 0) return {};
					const rows = (await this.sequelize.query(
						`SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.session_id = ANY(:ids::uuid[]) AND v.deleted_at IS NULL ORDER BY v.created_at`,
						{ replacements: { ids: `{${ctx.params.sessionIds.join(",")}}` }, type: QueryTypes.SELECT }
					)) as VideoRow[];
					const views: Record<string, VideoView[]> = {};
					for (const row of rows) (views[row.sessionId] ??= []).push(await this.toView(row));
					return views;
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
					expires: { type: "number", integer: true, convert: true },
					signature: { type: "string", min: 1, max: 100 }
				},
				async handler(ctx: MediaContext<{ id: string; file: string; expires: number; signature: string }>): Promise<string> {
					const rendition = ctx.params.file.replace(".m3u8", "") as Rendition;
					verifyPlaylistSignature(ctx.params.id, rendition, ctx.params.expires, ctx.params.signature, playbackSecret);
					const row: VideoRow | undefined = await this.loadVideo(ctx.params.id);
					const playlistKey = rendition === "720p" ? row?.playlistKey : row?.quickPlaylistKey;
					if (!row || !playlistKey) throw new NotFoundError("Video", "ERR_VIDEO_NOT_FOUND");
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
					await this.sequelize.query("UPDATE videos SET deleted_at = now() WHERE id = :id AND deleted_at IS NULL", {
						replacements: { id: ctx.params.id }
					});
					ctx.meta.$statusCode = 204;
				}
			},

			/** Removes the files of deleted recordings, then their rows; also runs on a timer. */
			purgeDeleted: {
				visibility: "public",
				async handler(): Promise<{ videos: number; sensorFiles: number }> {
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
			}
		},

		events: {
			// In-process channels keep nothing across restarts: the database says what was left
			// unfinished, and this worker takes it up in the background once the node is up.
			async "$etude.ready"() {
				if (this.broker.transit) return;
				const unfinished = (await this.sequelize.query(
					"SELECT id FROM videos WHERE state IN ('queued', 'processing') AND deleted_at IS NULL ORDER BY created_at",
					{ type: QueryTypes.SELECT }
				)) as Array<{ id: string }>;
				this.resumed = (async () => {
					for (const { id } of unfinished) await this.processVideo(id);
				})().catch((error: Error) => this.logger.warn("Resuming unfinished recordings failed", error));
			},
			async "sessions.deleted"(ctx: Context<{ sessionId: string }>) {
				for (const table of ["videos", "sensor_files"]) {
					await this.sequelize.query(`UPDATE ${table} SET deleted_at = now() WHERE session_id = :sessionId AND deleted_at IS NULL`, {
						replacements: { sessionId: ctx.params.sessionId }
					});
				}
			},
			async "auth.user.deleted"(ctx: Context<{ userId: string }>) {
				for (const table of ["videos", "sensor_files"]) {
					await this.sequelize.query(`UPDATE ${table} SET deleted_at = now() WHERE owner_id = :userId AND deleted_at IS NULL`, {
						replacements: { userId: ctx.params.userId }
					});
				}
			}
		},

		methods: {
			async findEntity(ctx: MediaContext<{ id: string }>): Promise<VideoRow> {
				const row: VideoRow | undefined = await this.loadVideo(ctx.params.id);
				if (!row || row.ownerId !== ctx.meta.user!.id) throw new NotFoundError("Video", "ERR_VIDEO_NOT_FOUND");
				return row;
			},

			isEntityOwner(ctx: MediaContext): boolean {
				return (ctx.locals.entity as VideoRow).ownerId === ctx.meta.user!.id;
			},

			async storedBytesOf(ownerId: string): Promise<number> {
				const [usage] = (await this.sequelize.query(
					`SELECT (SELECT coalesce(sum(size_bytes), 0) FROM videos WHERE owner_id = :ownerId AND deleted_at IS NULL)
					      + (SELECT coalesce(sum(size_bytes), 0) FROM sensor_files WHERE owner_id = :ownerId AND deleted_at IS NULL) AS bytes`,
					{ replacements: { ownerId }, type: QueryTypes.SELECT }
				)) as Array<{ bytes: string }>;
				return Number(usage!.bytes);
			},

			async toView(row: VideoRow): Promise<VideoView> {
				const storage: ObjectStorage = this.storage;
				const rendition: Rendition | null = row.playlistKey ? "720p" : row.quickPlaylistKey ? "quick" : null;
				return {
					id: row.id,
					state: row.state,
					progress: row.progressPercent,
					failureCode: row.failureCode,
					failureReason: row.failureReason,
					durationS: row.durationS,
					hlsUrl: rendition ? signedPlaylistPath(row.id, rendition, playbackSecret) : null,
					rotationDegrees: rendition === "quick" ? row.rotationDegrees : 0,
					thumbnailUrl: row.thumbnailKey ? await storage.presignedGetUrl(row.thumbnailKey, 3600) : null,
					createdAt: row.createdAt.toISOString()
				};
			},

			async acceptSensorFile(uploadId: string): Promise<void> {
				const [file] = (await this.sequelize.query(
					`SELECT id, session_id AS "sessionId" FROM sensor_files WHERE upload_id = :uploadId AND state = 'uploading'`,
					{ replacements: { uploadId }, type: QueryTypes.SELECT }
				)) as Array<{ id: string; sessionId: string }>;
				if (!file) return;
				const storage: ObjectStorage = this.storage;
				try {
					const recording = parseSensorFile(await buffer(await storage.get(uploadId)));
					await this.sequelize.query("UPDATE sensor_files SET state = 'ready', sample_count = :count, updated_at = now() WHERE id = :id", {
						replacements: { id: file.id, count: recording.samples.length }
					});
				} catch (error) {
					const rejection = error as { type?: string; message: string };
					await this.sequelize.query(
						"UPDATE sensor_files SET state = 'failed', failure_code = :code, failure_reason = :reason, updated_at = now() WHERE id = :id",
						{ replacements: { id: file.id, code: rejection.type ?? "ERR_SENSOR_FORMAT", reason: rejection.message } }
					);
					await storage.deletePrefix(uploadId);
					return;
				}
				// A recording already analysed without its sensor file is analysed again with it.
				const analysed = (await this.sequelize.query(
					`SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.session_id = :sessionId AND v.audio_key IS NOT NULL AND v.deleted_at IS NULL`,
					{ replacements: { sessionId: file.sessionId }, type: QueryTypes.SELECT }
				)) as VideoRow[];
				for (const video of analysed) await this.announceAudio(video);
			},

			async sensorsKeyFor(sessionId: string): Promise<string | null> {
				const [file] = (await this.sequelize.query(
					`SELECT upload_id AS "uploadId" FROM sensor_files WHERE session_id = :sessionId AND state = 'ready' AND deleted_at IS NULL
					 ORDER BY created_at DESC LIMIT 1`,
					{ replacements: { sessionId }, type: QueryTypes.SELECT }
				)) as Array<{ uploadId: string }>;
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
				const [row] = (await this.sequelize.query(`SELECT ${VIDEO_COLUMNS} FROM videos v WHERE v.id = :id AND v.deleted_at IS NULL`, {
					replacements: { id: videoId },
					type: QueryTypes.SELECT
				})) as VideoRow[];
				return row;
			},

			async updateVideo(videoId: string, assignments: string, replacements: Record<string, unknown> = {}): Promise<void> {
				await this.sequelize.query(`UPDATE videos SET ${assignments}, updated_at = now() WHERE id = :videoId`, {
					replacements: { ...replacements, videoId }
				});
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
					await this.failVideo(video, "ERR_PROCESSING_FAILED", "We could not process this recording; please upload it again.");
					return;
				}
				await this.updateVideo(videoId, "state = 'processing', attempts = attempts + 1, output_prefix = :prefix", { prefix: `recordings/${videoId}/` });
				const heartbeat = setInterval(() => delivery?.working?.(), WORKER_HEARTBEAT_MS);
				try {
					await stage(video);
				} catch (error) {
					if (error instanceof RecordingRejectedError) {
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
				// A rejected upload's bytes are not kept.
				await (this.storage as ObjectStorage).deletePrefix(video.uploadId);
				this.broker.emit("media.failed", { videoId: video.id, sessionId: video.sessionId, studentId: video.ownerId, code });
			},

			async purgeDeleted(): Promise<{ videos: number; sensorFiles: number }> {
				const storage: ObjectStorage = this.storage;
				const videos = (await this.sequelize.query(`SELECT id, upload_id AS "uploadId" FROM videos WHERE deleted_at IS NOT NULL`, {
					type: QueryTypes.SELECT
				})) as Array<{ id: string; uploadId: string | null }>;
				for (const video of videos) {
					if (video.uploadId) await storage.deletePrefix(video.uploadId);
					await storage.deletePrefix(`recordings/${video.id}/`);
					await this.sequelize.query("DELETE FROM videos WHERE id = :id", { replacements: { id: video.id } });
				}
				const sensorFiles = (await this.sequelize.query(`SELECT id, upload_id AS "uploadId" FROM sensor_files WHERE deleted_at IS NOT NULL`, {
					type: QueryTypes.SELECT
				})) as Array<{ id: string; uploadId: string }>;
				for (const file of sensorFiles) {
					await storage.deletePrefix(file.uploadId);
					await this.sequelize.query("DELETE FROM sensor_files WHERE id = :id", { replacements: { id: file.id } });
				}
				return { videos: videos.length, sensorFiles: sensorFiles.length };
			}
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
