import type { Context, Service, ServiceSchema } from "moleculer";
import { col, fn, literal, type Transaction } from "sequelize";
import { DEAD_LETTER_CHANNEL, deadLetterOrigin } from "../../lib/channels";
import type { NodeConfig } from "../../lib/node-config";
import type { ObjectStorage } from "../../lib/storage";
import { DbMixin } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import { MediaOperationAbortedError, RecordingRejectedError } from "./errors";
import { useFfmpegBinaries, warmUpFfmpeg } from "./ffmpeg";
import { FORUM_MEDIA_PREFIX, GAVE_UP, MAX_RETRY_DELAY_MS, MediaRows, defineMediaModels, type Delivery, type ForumMediaRow, type VideoRow } from "./media-rows";
import { prepareForumMedia, prepareRecording, transcodeRecording, type ForumMediaKind } from "./pipeline";

const WORKER_HEARTBEAT_MS = 5_000;
const PROGRESS_WRITE_INTERVAL_MS = 1_000;
/** A picture takes well under a second and a minute of clip some seconds: far past that, ffmpeg is stuck on a hostile file. */
const FORUM_PROCESSING_TIMEOUT_MS: Record<ForumMediaKind, number> = { image: 60_000, clip: 300_000 };

const FORUM_TIMED_OUT = { type: "ERR_PROCESSING_TIMEOUT", message: "This file took too long to convert; try a shorter or smaller one." };

interface MediaWorker {
	processVideo(videoId: string, delivery?: Delivery): Promise<void>;
	processForumMedia(mediaId: string, delivery?: Delivery): Promise<void>;
	giveUpOnForumMedia(mediaId: string): Promise<void>;
	transcodeVideo(videoId: string, delivery?: Delivery): Promise<void>;
	giveUpOn(videoId: string): Promise<void>;
}

/**
 * The media workers: each finished upload from the media.process channel (validation, the quick
 * rendition, the WAV for the analysis, the thumbnail), its 720p transcode from media.transcode,
 * and forum pictures and clips from media.forum. A worker that dies mid-job leaves the job to
 * another; every output has a fixed key, so a job run twice overwrites rather than duplicates.
 * Rows are the media service's (its system actor); the API side is media.service.ts.
 */
export default function mediaWorkerService(config: NodeConfig): ServiceSchema {
	return {
		name: "media-worker",
		mixins: [DbMixin(defineMediaModels, { systemActor: "media" }), StorageMixin(config), MediaRows(), Outbox()],

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
				await this.updateVideo(videoId, { state: "processing", attempts: literal("attempts + 1"), outputPrefix: `recordings/${videoId}/` });
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
							await this.updateVideo(videoId, { audioKey, durationS: durationMs / 1000, audioReadyAt: fn("now") });
							await this.announceAudio({ ...video, audioKey, durationS: durationMs / 1000 });
						},
						thumbnailReady: (thumbnailKey) => this.updateVideo(videoId, { thumbnailKey }),
						quickRenditionReady: (quickPlaylistKey, rotationDegrees) =>
							this.updateVideo(videoId, { quickPlaylistKey, rotationDegrees })
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
							// Progress is a hint: one that cannot be written (the node is stopping) is dropped.
							this.updateVideo(videoId, { progressPercent: fn("GREATEST", col("progress_percent"), Math.round(percent)) }).catch(
								(error: Error) => this.logger.debug(`Progress of video ${videoId} not written: ${error.message}`)
							);
						}
					});
					await this.updateVideo(videoId, { state: "ready", progressPercent: 100, playlistKey, processed: true, processedAt: fn("now") });
					this.broker.emit("media.processed", { videoId, sessionId: video.sessionId, studentId: video.ownerId });
				});
			},

			async failVideo(video: VideoRow, code: string, reason: string): Promise<void> {
				const outcome = { videoId: video.id, sessionId: video.sessionId, studentId: video.ownerId, code };
				const actor = this.systemActor();
				// Recorded with the failure: a redelivered job finds the recording failed and stops, so this is the only send.
				const announced = await this.transactionAs(actor, async (transaction: Transaction) => {
					await this.models.primary.update({ state: "failed", failureCode: code, failureReason: reason }, { where: { id: video.id }, transaction });
					return this.recordEvent(transaction, actor, "media.video_failed", outcome);
				});
				await this.sendRecorded([announced]);
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
				await this.updateForumMedia(mediaId, { state: "processing", attempts: literal("attempts + 1") });
				const storage: ObjectStorage = this.storage;
				const heartbeat = setInterval(() => delivery?.working?.(), WORKER_HEARTBEAT_MS);
				const timeout = AbortSignal.timeout(FORUM_PROCESSING_TIMEOUT_MS[media.kind]);
				try {
					const outputs = await prepareForumMedia(storage, media.uploadId, FORUM_MEDIA_PREFIX(mediaId), media.kind, timeout);
					await this.updateForumMedia(mediaId, {
						state: "ready",
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
						await this.updateForumMedia(mediaId, { state: "failed", failureCode: type, failureReason: message });
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
		},

		created() {
			useFfmpegBinaries(config.ffmpeg);
		},

		async started() {
			// fluent-ffmpeg probes ffmpeg's capabilities once per process; pay that now, not on the first recording.
			warmUpFfmpeg().catch((error: Error) => this.logger.warn(`ffmpeg is not usable: ${error.message}`));
		},

		async stopped() {
			await this.resumed;
		}
	};
}
