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

/** Where recordings wait for their session to reach the server; it outlives the app on a device. */
export interface RecordingStore {
	save(sessionId: string, recording: PracticeRecording): Promise<void>;
	load(sessionId: string): Promise<PracticeRecording | undefined>;
	remove(sessionId: string): Promise<void>;
	sessionIds(): Promise<string[]>;
}

export class MemoryRecordingStore implements RecordingStore {
	private readonly recordings = new Map<string, PracticeRecording>();
	async save(sessionId: string, recording: PracticeRecording) {
		this.recordings.set(sessionId, recording);
	}
	async load(sessionId: string) {
		return this.recordings.get(sessionId);
	}
	async remove(sessionId: string) {
		this.recordings.delete(sessionId);
	}
	async sessionIds() {
		return [...this.recordings.keys()];
	}
}

function waitingStatuses(recording: PracticeRecording): UploadStatus[] {
	const kinds: UploadKind[] = [
		...(recording.video ? ["video" as const] : []),
		...(recording.sensors ? ["sensors" as const] : [])
	];
	return kinds.map((kind) => ({ kind, state: "waiting", progress: 0, errorCode: null }));
}

/**
 * Keeps the recordings of sessions until the session exists on the server, then uploads them and reports
 * progress per session. A recording leaves the store only once every file of it is uploaded, so one that
 * failed, or was cut off by closing the app, is tried again at the next start.
 */
export class RecordingUploads {
	private readonly statuses = new Map<string, UploadStatus[]>();
	private readonly inFlight = new Set<string>();
	private readonly listeners = new Set<Listener>();

	constructor(
		private readonly upload: UploadFn,
		private readonly store: RecordingStore,
		private readonly toSensorBytes: (json: string) => UploadSource = (json) =>
			new Blob([json], { type: "application/json" })
	) {}

	async attach(sessionId: string, recording: PracticeRecording): Promise<void> {
		if (!recording.video && !recording.sensors) return;
		await this.store.save(sessionId, recording);
		this.statuses.set(sessionId, waitingStatuses(recording));
		this.notify();
	}

	/** Shows the recordings an earlier run left behind; returns their session ids. */
	async restore(): Promise<string[]> {
		const sessionIds = await this.store.sessionIds();
		for (const sessionId of sessionIds) {
			const recording = await this.store.load(sessionId);
			if (recording && !this.statuses.has(sessionId)) this.statuses.set(sessionId, waitingStatuses(recording));
		}
		this.notify();
		return sessionIds;
	}

	/** Uploads the recording of a session the server now has; does nothing for sessions without one. */
	async sessionSynced(sessionId: string): Promise<void> {
		if (this.inFlight.has(sessionId)) return;
		this.inFlight.add(sessionId);
		try {
			const recording = await this.store.load(sessionId);
			if (!recording) return;
			const results = await Promise.all(
				filesOf(recording, this.toSensorBytes).map((file) => this.uploadFile(sessionId, file))
			);
			if (results.every(Boolean)) await this.store.remove(sessionId);
		} finally {
			this.inFlight.delete(sessionId);
		}
	}

	current(): Map<string, UploadStatus[]> {
		return new Map(this.statuses);
	}

	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private async uploadFile(sessionId: string, file: PendingFile): Promise<boolean> {
		this.setStatus(sessionId, file.kind, { state: "uploading", errorCode: null });
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
			return true;
		} catch (error) {
			this.setStatus(sessionId, file.kind, { state: "failed", errorCode: uploadErrorCode(error) });
			return false;
		}
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
