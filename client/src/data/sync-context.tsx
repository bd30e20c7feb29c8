import { Network } from "@capacitor/network";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { NewPracticeSession } from "../models/session";
import type { PracticeRecording, UploadStatus } from "../models/recording";
import type { QueuedSession } from "../models/sync";
import { ApiError, CLIENT_ERROR_CODES } from "./api-error";
import { api, apiClient, tokenStore } from "./app-services";
import { useAuth } from "./auth-context";
import { endpoints } from "./endpoints";
import { forgetMediaUploads, uploadMedia } from "./media-upload";
import { IndexedDbRecordingStore } from "./indexeddb-recording-store";
import { RecordingUploads, type UnclaimedRecording } from "./recording-uploads";
import { queryKeys } from "./queries";
import { SessionQueue } from "./session-queue";
import { SqliteSessionQueueStorage } from "./sqlite-session-queue-storage";
import { SyncWorker } from "./sync-worker";
import { tokensOfAccount } from "./token-store";

/** Retry pace while online but the server keeps failing. */
const RETRY_INTERVAL_MS = 30_000;

/** What the signed-in account has on this device that has not reached the server yet. */
export interface UnsentWork {
	sessions: number;
	recordings: number;
}

/**
 * Something an earlier version stored without an owner: a queued session, its recording, or both. It is never
 * uploaded until someone who signs in confirms it is theirs.
 */
export interface UnclaimedWork {
	sessionId: string;
	entry?: QueuedSession;
	recording?: UnclaimedRecording;
}

export type UnsentWorkChoice = "keep" | "discard";

export interface SyncState {
	online: boolean;
	/** The signed-in account's queued sessions; nobody else's are shown or sent. */
	entries: QueuedSession[];
	unclaimed: UnclaimedWork[];
	/** Upload progress of the signed-in account's recordings, by session id */
	uploads: Map<string, UploadStatus[]>;
	unsent: UnsentWork;
	/**
	 * Stores the session on the device, then tries to send it; its recording follows once the server has the
	 * session. Tells whether the device is online now.
	 */
	logSession(session: NewPracticeSession, recording?: PracticeRecording): Promise<{ online: boolean }>;
	/** Sends a session the server refused once more. */
	retry(sessionId: string): Promise<void>;
	/** Deletes a session of this account, or an unclaimed one, and its recording from the device. */
	discard(sessionId: string): Promise<void>;
	/** Makes unclaimed work this account's and sends it. Only for work the person confirmed is theirs. */
	claim(sessionId: string): Promise<void>;
	/**
	 * Stops sending as this account: call it before the tokens go. "keep" leaves its unsent work locked to it on
	 * this device until it signs in again; "discard" deletes that work.
	 */
	leave(choice: UnsentWorkChoice): Promise<void>;
}

/** Exported so component tests can supply their own sync state. */
export const SyncContext = createContext<SyncState | null>(null);

interface Engine {
	ownerId: string;
	queue: SessionQueue;
	worker: SyncWorker;
	recordings: RecordingUploads;
}

function uploadsEndpoint(): string {
	return new URL(apiClient.baseUrl + endpoints.uploads, globalThis.location.href).toString();
}

function unsentWork(entries: QueuedSession[], uploads: Map<string, UploadStatus[]>): UnsentWork {
	return {
		sessions: entries.filter((entry) => entry.state !== "done").length,
		recordings: [...uploads.values()].filter((statuses) => statuses.some((status) => status.state !== "done")).length
	};
}

function unclaimedWork(entries: QueuedSession[], recordings: UnclaimedRecording[]): UnclaimedWork[] {
	const bySession = new Map<string, UnclaimedWork>();
	for (const entry of entries) bySession.set(entry.session.id, { sessionId: entry.session.id, entry });
	for (const recording of recordings) {
		bySession.set(recording.sessionId, {
			sessionId: recording.sessionId,
			...bySession.get(recording.sessionId),
			recording
		});
	}
	return [...bySession.values()];
}

/** The offline queue and recording uploads of the signed-in account; they restart when the account changes. */
export function SyncProvider({ children }: { children: ReactNode }) {
	const queryClient = useQueryClient();
	const { accountId } = useAuth();
	const [engine, setEngine] = useState<Engine | null>(null);
	const [allEntries, setAllEntries] = useState<QueuedSession[]>([]);
	const [unclaimedRecordings, setUnclaimedRecordings] = useState<UnclaimedRecording[]>([]);
	const [uploads, setUploads] = useState<Map<string, UploadStatus[]>>(new Map());
	const [online, setOnline] = useState(true);

	useEffect(() => {
		if (!accountId) return;
		const ownerId = accountId;
		let cancelled = false;
		const cleanups: Array<() => void> = [];
		(async () => {
			const queue = new SessionQueue(await SqliteSessionQueueStorage.open());
			// Sessions synced in an earlier run are on the server's list by now; only unsent ones need a badge.
			await queue.clearDone();
			const worker = new SyncWorker({
				queue,
				ownerId,
				send: api.sessions.create,
				isOnline: async () => (await Network.getStatus()).connected
			});
			const recordings = new RecordingUploads({
				ownerId,
				upload: (request) =>
					uploadMedia({ ...request, endpoint: uploadsEndpoint(), tokens: tokensOfAccount(tokenStore, ownerId) }),
				forget: forgetMediaUploads,
				store: new IndexedDbRecordingStore()
			});
			cleanups.push(() => {
				recordings.stop();
				void worker.stop();
			});
			if (cancelled) return;
			cleanups.push(recordings.subscribe(setUploads));
			cleanups.push(
				queue.subscribe((latest) => {
					setAllEntries(latest);
					const synced = latest.filter((entry) => entry.ownerId === ownerId && entry.state === "done");
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
			setAllEntries(queued);
			setUnclaimedRecordings(await recordings.unclaimed());
			// This account's recordings of sessions no longer queued belong to sessions the server has: upload them now.
			const unsynced = new Set(queued.map((entry) => entry.session.id));
			for (const sessionId of await recordings.restore()) {
				if (!unsynced.has(sessionId)) void recordings.sessionSynced(sessionId);
			}
			setEngine({ ownerId, queue, worker, recordings });
			void worker.run();
		})().catch((error: unknown) => console.error("Offline queue failed to open", error));
		return () => {
			cancelled = true;
			cleanups.forEach((cleanup) => cleanup());
			setEngine(null);
			setAllEntries([]);
			setUploads(new Map());
			setUnclaimedRecordings([]);
		};
	}, [queryClient, accountId]);

	const ownEntries = useMemo(() => allEntries.filter((entry) => entry.ownerId === accountId), [allEntries, accountId]);
	const unclaimed = useMemo(
		() =>
			unclaimedWork(
				allEntries.filter((entry) => entry.ownerId === null),
				unclaimedRecordings
			),
		[allEntries, unclaimedRecordings]
	);

	const value = useMemo<SyncState>(() => {
		function running(): Engine {
			if (!engine) {
				throw new ApiError(CLIENT_ERROR_CODES.offlineStoreUnavailable, "The offline queue is not open", 0);
			}
			return engine;
		}
		return {
			online,
			entries: ownEntries,
			unclaimed,
			uploads,
			unsent: unsentWork(ownEntries, uploads),
			async logSession(session, recording) {
				const { ownerId, queue, worker, recordings } = running();
				if (recording) await recordings.attach(session.id, recording);
				await queue.enqueue(ownerId, session);
				void worker.run();
				return { online: (await Network.getStatus()).connected };
			},
			async retry(sessionId) {
				await running().worker.retry(sessionId);
			},
			async discard(sessionId) {
				const { ownerId, queue, recordings } = running();
				await queue.discard(sessionId, ownerId);
				await recordings.discard(sessionId);
				setUnclaimedRecordings(await recordings.unclaimed());
			},
			async claim(sessionId) {
				const { ownerId, queue, worker, recordings } = running();
				const entry = await queue.claim(sessionId, ownerId);
				const recordingClaimed = await recordings.claim(sessionId);
				setUnclaimedRecordings(await recordings.unclaimed());
				// A recording without a queued session belongs to a session already on the server: upload it now.
				if (recordingClaimed && !entry) void recordings.sessionSynced(sessionId);
				void worker.run();
			},
			async leave(choice) {
				// Nothing opened, nothing to stop or discard: signing out must still work.
				if (!engine) return;
				const { ownerId, queue, worker, recordings } = engine;
				recordings.stop();
				await worker.stop();
				if (choice === "discard") {
					const unsent = (await queue.entriesOf(ownerId)).filter((entry) => entry.state !== "done");
					await queue.remove(unsent.map((entry) => entry.session.id));
					await recordings.discardAll();
				}
			}
		};
	}, [engine, online, ownEntries, unclaimed, uploads]);

	return <SyncContext.Provider value={value}>{children}</SyncContext.Provider>;
}

export function useSync(): SyncState {
	const state = useContext(SyncContext);
	if (!state) throw new Error("useSync needs a SyncProvider above it");
	return state;
}
