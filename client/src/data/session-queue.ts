import type { NewPracticeSession } from "../models/session";
import type { QueuedSession, SyncState } from "../models/sync";

/** Where queued sessions live: SQLite on devices and the web, memory in unit tests. */
export interface SessionQueueStorage {
	/** Inserts or replaces the entry with the same session id; durable once the promise settles. */
	put(entry: QueuedSession): Promise<void>;
	list(): Promise<QueuedSession[]>;
	remove(sessionId: string): Promise<void>;
}

export class MemorySessionQueueStorage implements SessionQueueStorage {
	private readonly entries = new Map<string, QueuedSession>();
	async put(entry: QueuedSession) {
		this.entries.set(entry.session.id, structuredClone(entry));
	}
	async list() {
		return [...this.entries.values()].map((entry) => structuredClone(entry));
	}
	async remove(sessionId: string) {
		this.entries.delete(sessionId);
	}
}

type Listener = (entries: QueuedSession[]) => void;

/** The offline queue of practice sessions, in the order they were logged. */
export class SessionQueue {
	private readonly listeners = new Set<Listener>();

	constructor(private readonly storage: SessionQueueStorage) {}

	async enqueue(session: NewPracticeSession): Promise<QueuedSession> {
		const entry: QueuedSession = {
			session,
			state: "waiting",
			attempts: 0,
			lastErrorCode: null,
			queuedAt: new Date().toISOString()
		};
		await this.storage.put(entry);
		await this.notify();
		return entry;
	}

	async entries(): Promise<QueuedSession[]> {
		return (await this.storage.list()).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
	}

	async entriesIn(state: SyncState): Promise<QueuedSession[]> {
		return (await this.entries()).filter((entry) => entry.state === state);
	}

	async update(entry: QueuedSession, changes: Partial<Omit<QueuedSession, "session">>): Promise<QueuedSession> {
		const updated = { ...entry, ...changes };
		await this.storage.put(updated);
		await this.notify();
		return updated;
	}

	/** Forgets synced entries; the server's list shows them from now on. */
	async clearDone(): Promise<void> {
		for (const entry of await this.entriesIn("done")) await this.storage.remove(entry.session.id);
		await this.notify();
	}

	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private async notify() {
		if (this.listeners.size === 0) return;
		const entries = await this.entries();
		for (const listener of this.listeners) listener(entries);
	}
}
