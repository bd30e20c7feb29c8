import type { PracticeRecording, UploadKind, UploadStatus } from "../models/recording";
import { CLIENT_ERROR_CODES } from "./api-error";
import type { MediaUploadRequest, UploadSource } from "./media-upload";

export type UploadFn = (request: Omit<MediaUploadRequest, "tokens" | "endpoint">) => Promise<string>;

type Listener = (statuses: Map<string, UploadStatus[]>) => void;

interface PendingFile {
	kind: UploadKind;
	source: UploadSource;
	filename: string;
	filetype: string;
}

interface TusFailure {
	originalResponse?: { getStatus(): number; getBody(): string } | null;
}

/** No upload endpoint yet (404), else the API's own code when it refused with one, else a generic failure. */
export function uploadErrorCode(error: unknown): string {
	const response = (error as TusFailure).originalResponse;
	if (!response) return CLIENT_ERROR_CODES.network;
	if (response.getStatus() === 404) return CLIENT_ERROR_CODES.uploadsUnavailable;
	try {
		const body = JSON.parse(response.getBody()) as { code?: unknown };
		if (typeof body.code === "string") return body.code;
	} catch {
		// Not JSON: the status is all there is.
	}
	return CLIENT_ERROR_CODES.unexpectedResponse;
}

function filesOf(recording: PracticeRecording, toSensorBytes: (json: string) => UploadSource): PendingFile[] {
	const files: PendingFile[] = [];
	if (recording.video) {
		const extension = recording.video.type.includes("mp4") ? "mp4" : "webm";
		files.push({
			kind: "video",
			source: recording.video,
			filename: `practice.${extension}`,
			filetype: recording.video.type
		});
	}
	if (recording.sensors) {
		files.push({
			kind: "sensors",
			source: toSensorBytes(JSON.stringify(recording.sensors)),
			filename: "sensors.json",
			filetype: "application/json"
		});
	}
	return files;
}

/**
 * Holds the recordings of sessions until the session exists on the server, then uploads them and
 * reports progress per session. Recordings live in memory: one lost with the app must be recorded again.
 */
export class RecordingUploads {
	private readonly pending = new Map<string, PendingFile[]>();
	private readonly statuses = new Map<string, UploadStatus[]>();
	private readonly listeners = new Set<Listener>();

	constructor(
		private readonly upload: UploadFn,
		private readonly toSensorBytes: (json: string) => UploadSource = (json) =>
			new Blob([json], { type: "application/json" })
	) {}

	attach(sessionId: string, recording: PracticeRecording) {
		const files = filesOf(recording, this.toSensorBytes);
		if (files.length === 0) return;
		this.pending.set(sessionId, files);
		this.statuses.set(
			sessionId,
			files.map((file) => ({ kind: file.kind, state: "waiting", progress: 0, errorCode: null }))
		);
		this.notify();
	}

	/** Starts the uploads of a session the server now has; does nothing for sessions without a recording. */
	async sessionSynced(sessionId: string): Promise<void> {
		const files = this.pending.get(sessionId);
		if (!files) return;
		this.pending.delete(sessionId);
		await Promise.all(
			files.map(async (file) => {
				this.setStatus(sessionId, file.kind, { state: "uploading" });
				try {
					await this.upload({
						sessionId,
						kind: file.kind,
						source: file.source,
						filename: file.filename,
						filetype: file.filetype,
						onProgress: (progress) => this.setStatus(sessionId, file.kind, { progress })
					});
					this.setStatus(sessionId, file.kind, { state: "done", progress: 1 });
				} catch (error) {
					this.setStatus(sessionId, file.kind, { state: "failed", errorCode: uploadErrorCode(error) });
				}
			})
		);
	}

	current(): Map<string, UploadStatus[]> {
		return new Map(this.statuses);
	}

	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private setStatus(sessionId: string, kind: UploadKind, changes: Partial<UploadStatus>) {
		const statuses = this.statuses.get(sessionId) ?? [];
		this.statuses.set(
			sessionId,
			statuses.map((status) => (status.kind === kind ? { ...status, ...changes } : status))
		);
		this.notify();
	}

	private notify() {
		const snapshot = this.current();
		for (const listener of this.listeners) listener(snapshot);
	}
}
