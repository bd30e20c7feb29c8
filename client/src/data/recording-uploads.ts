import type { PracticeRecording, UploadKind, UploadStatus } from "../models/recording";
import { CLIENT_ERROR_CODES } from "./api-error";
import { isAbortError, type MediaUploadRequest, type UploadSource } from "./media-upload";

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

/** A recording kept on the device, with the account it was recorded in (null: stored before recordings had owners). */
export interface StoredRecording {
	ownerId: string | null;
	recording: PracticeRecording;
}

/** Where recordings wait for their session to reach the server; it outlives the app on a device. */
export interface RecordingStore {
	save(sessionId: string, stored: StoredRecording): Promise<void>;
	load(sessionId: string): Promise<StoredRecording | undefined>;
	remove(sessionId: string): Promise<void>;
	/** The owner of every stored recording, by session id. */
	owners(): Promise<Map<string, string | null>>;
}

export class MemoryRecordingStore implements RecordingStore {
	private readonly recordings = new Map<string, StoredRecording>();
	async save(sessionId: string, stored: StoredRecording) {
		this.recordings.set(sessionId, stored);
	}
	async load(sessionId: string) {
		return this.recordings.get(sessionId);
	}
	async remove(sessionId: string) {
		this.recordings.delete(sessionId);
	}
	async owners() {
		return new Map([...this.recordings].map(([sessionId, stored]) => [sessionId, stored.ownerId]));
	}
}

/** What the device shows of a recording nobody has claimed yet, to let its owner recognise it. */
export interface UnclaimedRecording {
	sessionId: string;
	videoBytes: number | null;
	sensorSamples: number | null;
}

function waitingStatuses(recording: PracticeRecording): UploadStatus[] {
	const kinds: UploadKind[] = [
		...(recording.video ? ["video" as const] : []),
		...(recording.sensors ? ["sensors" as const] : [])
	];
	return kinds.map((kind) => ({ kind, state: "waiting", progress: 0, errorCode: null }));
}

export interface RecordingUploadsOptions {
	/** The signed-in account: only its recordings are shown, uploaded or discarded. */
	ownerId: string;
	upload: UploadFn;
	/** Forgets the device's record of a session's partly sent files. */
	forget: (sessionId: string) => Promise<void>;
	store: RecordingStore;
	toSensorBytes?: (json: string) => UploadSource;
}

/**
 * Keeps one account's recordings until their session exists on the server, then uploads them and reports
 * progress per session. A recording leaves the store only once every file of it is uploaded, so one that
 * failed, or was cut off by closing the app, is tried again at the next start of the same account.
 */
export class RecordingUploads {
	private readonly statuses = new Map<string, UploadStatus[]>();
	private readonly inFlight = new Set<string>();
	private readonly listeners = new Set<Listener>();
	private readonly stopping = new AbortController();
	private readonly ownerId: string;
	private readonly store: RecordingStore;
	private readonly toSensorBytes: (json: string) => UploadSource;

	constructor(private readonly options: RecordingUploadsOptions) {
		this.ownerId = options.ownerId;
		this.store = options.store;
		this.toSensorBytes = options.toSensorBytes ?? ((json) => new Blob([json], { type: "application/json" }));
	}

	async attach(sessionId: string, recording: PracticeRecording): Promise<void> {
		if (!recording.video && !recording.sensors) return;
		await this.store.save(sessionId, { ownerId: this.ownerId, recording });
		this.statuses.set(sessionId, waitingStatuses(recording));
		this.notify();
	}

	/** Shows this account's recordings an earlier run left behind; returns their session ids. */
	async restore(): Promise<string[]> {
		const own = [...(await this.store.owners())].filter(([, ownerId]) => ownerId === this.ownerId);
		for (const [sessionId] of own) {
			const stored = await this.store.load(sessionId);
			if (stored && !this.statuses.has(sessionId)) this.statuses.set(sessionId, waitingStatuses(stored.recording));
		}
		this.notify();
		return own.map(([sessionId]) => sessionId);
	}

	/** Recordings stored before recordings had owners: never uploaded until someone claims them. */
	async unclaimed(): Promise<UnclaimedRecording[]> {
		const unowned = [...(await this.store.owners())].filter(([, ownerId]) => ownerId === null);
		const found: UnclaimedRecording[] = [];
		for (const [sessionId] of unowned) {
			const stored = await this.store.load(sessionId);
			if (!stored) continue;
			found.push({
				sessionId,
				videoBytes: stored.recording.video?.size ?? null,
				sensorSamples: stored.recording.sensors?.samples.length ?? null
			});
		}
		return found;
	}

	/** Makes an unowned recording this account's, once its owner has confirmed it; owned ones stay put. */
	async claim(sessionId: string): Promise<boolean> {
		const stored = await this.store.load(sessionId);
		if (!stored || stored.ownerId !== null) return false;
		await this.store.save(sessionId, { ownerId: this.ownerId, recording: stored.recording });
		this.statuses.set(sessionId, waitingStatuses(stored.recording));
		this.notify();
		return true;
	}

	/** Deletes this account's (or an unowned) recording from the device, uploaded or not. */
	async discard(sessionId: string): Promise<void> {
		const stored = await this.store.load(sessionId);
		if (stored && stored.ownerId !== null && stored.ownerId !== this.ownerId) return;
		await this.store.remove(sessionId);
		await this.options.forget(sessionId);
		this.statuses.delete(sessionId);
		this.notify();
	}

	/** Deletes every recording of this account from the device. */
	async discardAll(): Promise<void> {
		for (const [sessionId, ownerId] of await this.store.owners()) {
			if (ownerId === this.ownerId) await this.discard(sessionId);
		}
	}

	/** Uploads this account's recording of a session the server now has; does nothing for sessions without one. */
	async sessionSynced(sessionId: string): Promise<void> {
		if (this.inFlight.has(sessionId) || this.stopping.signal.aborted) return;
		this.inFlight.add(sessionId);
		try {
			const stored = await this.store.load(sessionId);
			if (stored?.ownerId !== this.ownerId) return;
			const results = await Promise.all(
				filesOf(stored.recording, this.toSensorBytes).map((file) => this.uploadFile(sessionId, file))
			);
			if (results.every(Boolean)) await this.store.remove(sessionId);
		} finally {
			this.inFlight.delete(sessionId);
		}
	}

	/** Pauses uploads in flight and starts no more: the account is signing out. They resume at its next sign-in. */
	stop(): void {
		this.stopping.abort();
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
			await this.options.upload({
				sessionId,
				kind: file.kind,
				source: file.source,
				filename: file.filename,
				filetype: file.filetype,
				onProgress: (progress) => this.setStatus(sessionId, file.kind, { progress }),
				signal: this.stopping.signal
			});
			this.setStatus(sessionId, file.kind, { state: "done", progress: 1 });
			return true;
		} catch (error) {
			this.setStatus(
				sessionId,
				file.kind,
				isAbortError(error) ? { state: "waiting" } : { state: "failed", errorCode: uploadErrorCode(error) }
			);
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
