import type { ServiceSchema } from "moleculer";
import { DataTypes, type Sequelize, type Transaction, type fn, type literal } from "sequelize";
import { ensureChannelStreams } from "../../lib/channels";
import { columnsOf } from "../../lib/db/columns";
import type { ForumMediaKind, VideoState } from "../../contracts/media";

/**
 * What the media API (media.service.ts) and its workers (media-worker.service.ts) share: the rows
 * of recordings and forum media, their models, and the announcement of a recording's audio (made
 * by a worker once the WAV is stored, and by the API when a late sensor file arrives).
 */

export type UploadKind = "video" | "sensors";
export type { VideoState };

export interface VideoRow {
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
	/** Where the job writes its outputs (`recordings/<videoId>/`). */
	outputPrefix: string | null;
	processed: boolean;
	/** When the practice session started, for the analysis time series. */
	recordedAt: Date;
	audioReadyAt: Date | null;
	processedAt: Date | null;
	deletedAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

/** New values for some of a row's columns: values, or SQL the ORM builds (`fn("now")`, `literal("attempts + 1")`). */
export type RowChanges<Row> = { [Column in keyof Row]?: Row[Column] | ReturnType<typeof fn> | ReturnType<typeof literal> };

/** A forum picture or clip as stored (migrations/0015-forum-media.ts). */
export interface ForumMediaRow {
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

/** The channel message and the JetStream delivery it came with (absent in-process). */
export interface Delivery {
	working?: () => void;
}

export const GAVE_UP = { code: "ERR_PROCESSING_FAILED", reason: "We could not process this recording; please upload it again." };
export const FORUM_MEDIA_PREFIX = (mediaId: string) => `forum-media/${mediaId}/`;
/** The longest a failed job waits before it is tried again. */
export const MAX_RETRY_DELAY_MS = 30_000;

export function defineMediaModels(sequelize: Sequelize) {
	const Video = sequelize.define(
		"Video",
		{
			id: { type: DataTypes.UUID, primaryKey: true },
			sessionId: { type: DataTypes.UUID, allowNull: false },
			ownerId: { type: DataTypes.UUID, allowNull: false },
			uploadId: { type: DataTypes.TEXT, allowNull: false },
			state: { type: DataTypes.TEXT, allowNull: false },
			progressPercent: { type: DataTypes.SMALLINT, allowNull: false },
			failureCode: { type: DataTypes.TEXT },
			failureReason: { type: DataTypes.TEXT },
			sizeBytes: { type: DataTypes.BIGINT, allowNull: false },
			durationS: { type: DataTypes.REAL },
			audioKey: { type: DataTypes.TEXT },
			thumbnailKey: { type: DataTypes.TEXT },
			quickPlaylistKey: { type: DataTypes.TEXT },
			playlistKey: { type: DataTypes.TEXT },
			rotationDegrees: { type: DataTypes.SMALLINT, allowNull: false },
			attempts: { type: DataTypes.INTEGER, allowNull: false },
			outputPrefix: { type: DataTypes.TEXT },
			processed: { type: DataTypes.BOOLEAN, allowNull: false },
			recordedAt: { type: DataTypes.DATE },
			audioReadyAt: { type: DataTypes.DATE },
			processedAt: { type: DataTypes.DATE },
			deletedAt: { type: DataTypes.DATE }
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


/** Loading, changing and announcing the rows; with DbMixin(defineMediaModels), acting as the media service. */
export function MediaRows(): Partial<ServiceSchema> {
	return {
		methods: {
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
				const [row] = (await this.queryAsSystem(`SELECT ${columnsOf(this.models.primary, "v")} FROM videos v WHERE v.id = :id AND v.deleted_at IS NULL`, { id: videoId })) as VideoRow[];
				return row;
			},

			/** Changes a recording's row as the media service (`updated_at` moves with it), in one statement. */
			async updateVideo(videoId: string, changes: RowChanges<VideoRow>): Promise<void> {
				await this.asSystem((transaction: Transaction) => this.models.primary.update(changes, { where: { id: videoId }, transaction }));
			},

			async loadForumMedia(mediaId: string): Promise<ForumMediaRow | undefined> {
				const [row] = (await this.queryAsSystem(`SELECT ${columnsOf(this.models.ForumMedia, "f")} FROM forum_media f WHERE f.id = :id AND f.deleted_at IS NULL`, { id: mediaId })) as ForumMediaRow[];
				return row;
			},

			/** Changes a forum item's row as the media service (`updated_at` moves with it), in one statement. */
			async updateForumMedia(mediaId: string, changes: RowChanges<ForumMediaRow>): Promise<void> {
				await this.asSystem((transaction: Transaction) => this.models.ForumMedia.update(changes, { where: { id: mediaId }, transaction }));
			},
		}
	};
}
