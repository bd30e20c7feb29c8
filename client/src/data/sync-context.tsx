import { Network } from "@capacitor/network";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { NewPracticeSession } from "../models/session";
import type { PracticeRecording, UploadStatus } from "../models/recording";
import type { QueuedSession } from "../models/sync";
import { ApiError, CLIENT_ERROR_CODES } from "./api-error";
import { api, apiClient, tokenStore } from "./app-services";
import { endpoints } from "./endpoints";
import { uploadMedia } from "./media-upload";
import { IndexedDbRecordingStore } from "./indexeddb-recording-store";
import { RecordingUploads } from "./recording-uploads";
import { queryKeys } from "./queries";
import { SessionQueue } from "./session-queue";
import { SqliteSessionQueueStorage } from "./sqlite-session-queue-storage";
import { SyncWorker } from "./sync-worker";

/** Retry pace while online but the server keeps failing. */
const RETRY_INTERVAL_MS = 30_000;

export interface SyncState {
	online: boolean;
	entries: QueuedSession[];
	/** Upload progress of recordings, by session id */
	uploads: Map<string, UploadStatus[]>;
	/**
	 * Stores the session on the device, then tries to send it; its recording follows once the server has the
	 * session. Tells whether the device is online now.
	 */
	logSession(session: NewPracticeSession, recording?: PracticeRecording): Promise<{ online: boolean }>;
}

const SyncContext = createContext<SyncState | null>(null);

interface Engine {
	queue: SessionQueue;
	worker: SyncWorker;
	recordings: RecordingUploads;
}

function uploadsEndpoint(): string {
	return new URL(apiClient.baseUrl + endpoints.uploads, globalThis.location.href).toString();
}

export function SyncProvider({ children }: { children: ReactNode }) {
	const queryClient = useQueryClient();
	const [engine, setEngine] = useState<Engine | null>(null);
	const [entries, setEntries] = useState<QueuedSession[]>([]);
	const [uploads, setUploads] = useState<Map<string, UploadStatus[]>>(new Map());
	const [online, setOnline] = useState(true);

	useEffect(() => {
		let cancelled = false;
		const cleanups: Array<() => void> = [];
		(async () => {
			const queue = new SessionQueue(await SqliteSessionQueueStorage.open());
			// Sessions synced in an earlier run are on the server's list by now; only unsent ones need a badge.
			await queue.clearDone();
			const worker = new SyncWorker({
				queue,
				send: api.sessions.create,
				isOnline: async () => (await Network.getStatus()).connected
			});
			const recordings = new RecordingUploads(
				(request) => uploadMedia({ ...request, endpoint: uploadsEndpoint(), tokens: tokenStore }),
				new IndexedDbRecordingStore()
			);
			if (cancelled) return;
			cleanups.push(recordings.subscribe(setUploads));
			cleanups.push(
				queue.subscribe((latest) => {
					setEntries(latest);
					const synced = latest.filter((entry) => entry.state === "done");
					for (const entry of synced) void recordings.sessionSynced(entry.session.id);
					if (synced.length > 0) void queryClient.invalidateQueries({ queryKey: queryKeys.sessions });
				})
			);
			const listener = await Network.addListener("networkStatusChange", (status) => {
				setOnline(status.connected);
				if (status.connected) void worker.run();
			});
			cleanups.push(() => void listener.remove());
			const timer = setInterval(() => void worker.run(), RETRY_INTERVAL_MS);
			cleanups.push(() => clearInterval(timer));
			setOnline((await Network.getStatus()).connected);
			const queued = await queue.entries();
			setEntries(queued);
			// Recordings of sessions no longer queued belong to sessions the server has: upload them now.
			const unsynced = new Set(queued.map((entry) => entry.session.id));
			for (const sessionId of await recordings.restore()) {
				if (!unsynced.has(sessionId)) void recordings.sessionSynced(sessionId);
			}
			setEngine({ queue, worker, recordings });
			void worker.run();
		})().catch((error: unknown) => console.error("Offline queue failed to open", error));
		return () => {
			cancelled = true;
			cleanups.forEach((cleanup) => cleanup());
		};
	}, [queryClient]);

	const value = useMemo<SyncState>(
		() => ({
			online,
			entries,
			uploads,
			async logSession(session, recording) {
				if (!engine) {
					throw new ApiError(CLIENT_ERROR_CODES.offlineStoreUnavailable, "The offline queue is not open", 0);
				}
				if (recording) await engine.recordings.attach(session.id, recording);
				await engine.queue.enqueue(session);
				void engine.worker.run();
				return { online: (await Network.getStatus()).connected };
			}
		}),
		[engine, online, entries, uploads]
	);

	return <SyncContext.Provider value={value}>{children}</SyncContext.Provider>;
}

export function useSync(): SyncState {
	const state = useContext(SyncContext);
	if (!state) throw new Error("useSync needs a SyncProvider above it");
	return state;
}
