/**
 * Recordings and forum media as the media service answers them (services/media/media.service.ts).
 * Wire shapes only: JSON carries every time as an ISO 8601 string.
 */

export type VideoState = "uploading" | "queued" | "processing" | "ready" | "failed";

/** A practice session's recording (inside a session's `videos`). */
export interface VideoView {
	id: string;
	state: VideoState;
	/** percent, 0..100 */
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

export type ForumMediaKind = "image" | "clip";

/**
 * One's own picture or clip for a post (GET /api/forum-media/:id): what the owner sees while it is
 * processed, and the `markdown` reference to paste once it is ready.
 */
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
