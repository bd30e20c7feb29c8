import { Errors } from "moleculer";

/** A recording we refuse, with a reason a student can act on; `type` is the stable code clients switch on. */
export class RecordingRejectedError extends Errors.MoleculerClientError {
	constructor(message: string, type: string, data: Record<string, unknown> = {}) {
		super(message, 422, type, data);
	}
}

export class NotDecodableError extends RecordingRejectedError {
	constructor(reason: string) {
		super(`The file is not a video we can read: ${reason}.`, "ERR_NOT_DECODABLE", { reason });
	}
}

export class NoVideoStreamError extends RecordingRejectedError {
	constructor(reason: string) {
		super(`The file has no video: ${reason}.`, "ERR_NO_VIDEO_STREAM", { reason });
	}
}

export class NoAudioTrackError extends RecordingRejectedError {
	constructor() {
		super("The video has no sound track; record with the microphone on.", "ERR_NO_AUDIO_TRACK");
	}
}

export class DurationOutOfRangeError extends RecordingRejectedError {
	constructor(durationSeconds: number | undefined, minDurationSeconds: number, maxDurationSeconds: number) {
		const actual = durationSeconds === undefined ? "an unknown length" : `${durationSeconds.toFixed(1)} s`;
		super(
			`The recording must last between ${minDurationSeconds} s and ${maxDurationSeconds} s; this one has ${actual}.`,
			"ERR_DURATION_OUT_OF_RANGE",
			{ durationSeconds, minDurationSeconds, maxDurationSeconds }
		);
	}
}

export class ResolutionTooLargeError extends RecordingRejectedError {
	constructor(width: number, height: number, maxLongSidePx: number, maxShortSidePx: number) {
		super(
			`The video is ${width}×${height}; the largest we accept is ${maxLongSidePx}×${maxShortSidePx}.`,
			"ERR_RESOLUTION_TOO_LARGE",
			{ width, height, maxLongSidePx, maxShortSidePx }
		);
	}
}

/** Stream copy needs H.264 video and AAC audio; the caller skips the quick rendition and waits for the transcode. */
export class StreamCopyUnsupportedError extends RecordingRejectedError {
	constructor(videoCodec: string | undefined, audioCodec: string | undefined) {
		super(
			`Stream copy to HLS needs H.264 video and AAC audio, not ${videoCodec ?? "none"}/${audioCodec ?? "none"}.`,
			"ERR_STREAM_COPY_UNSUPPORTED",
			{ videoCodec, audioCodec }
		);
	}
}

/** ffmpeg gave up on a file that passed validation. `data.ffmpegLogTail` says why but names server paths: log it, do not show it. */
export class MediaProcessingFailedError extends RecordingRejectedError {
	constructor(operation: string, ffmpegLogTail: string) {
		super(`ffmpeg could not ${operation}.`, "ERR_MEDIA_PROCESSING_FAILED", { operation, ffmpegLogTail });
	}
}

/**
 * ffprobe stopped by something other than the file: still reading after its time, or the bucket's
 * connection failing. Not the student's fault as far as we know, so the job is tried again rather
 * than the recording refused (and its bytes deleted).
 */
export class ProbeInterruptedError extends Error {
	constructor(reason: string) {
		super(`ffprobe could not finish reading the file: ${reason}`);
		this.name = "ProbeInterruptedError";
	}
}

export class MediaOperationAbortedError extends Errors.MoleculerClientError {
	constructor(operation: string) {
		super(`Stopped before ffmpeg could ${operation}.`, 499, "ERR_MEDIA_ABORTED", { operation });
	}
}

/** A forum image or clip outside what the community embeds; `type` is the code the app shows. */
export class ForumMediaRejectedError extends RecordingRejectedError {}
