import type { NewPracticeSession } from "../models/session";
import type { QueuedSession } from "../models/sync";

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

/** What syncing changes on an entry; the session and its owner never change this way. */
export type QueuedSessionChanges = Partial<
	Pick<QueuedSession, "state" | "attempts" | "lastErrorCode" | "lastErrorMessage">
>;

type Listener = (entries: QueuedSession[]) => void;

/** The offline queue of practice sessions of everyone who used this device, in the order they were logged. */
export class SessionQueue {
	private readonly listeners = new Set<Listener>();

	constructor(private readonly storage: SessionQueueStorage) {}

	async enqueue(ownerId: string, session: NewPracticeSession): Promise<QueuedSession> {
		const entry: QueuedSession = {
			session,
			ownerId,
			state: "waiting",
			attempts: 0,
			lastErrorCode: null,
			lastErrorMessage: null,
			queuedAt: new Date().toISOString()
		};
		await this.storage.put(entry);
		await this.notify();
		return entry;
	}

	async entries(): Promise<QueuedSession[]> {
		return (await this.storage.list()).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
	}

	/** One account's entries; null gives the entries stored before entries had owners. */
	async entriesOf(ownerId: string | null): Promise<QueuedSession[]> {
		return (await this.entries()).filter((entry) => entry.ownerId === ownerId);
	}

	async update(entry: QueuedSession, changes: QueuedSessionChanges): Promise<QueuedSession> {
		const updated = { ...entry, ...changes };
		await this.storage.put(updated);
		await this.notify();
		return updated;
	}

	/** Gives an entry stored without an owner to the account that confirmed it is theirs; owned entries stay put. */
	async claim(sessionId: string, ownerId: string): Promise<QueuedSession | undefined> {
		const unowned = (await this.entriesOf(null)).find((entry) => entry.session.id === sessionId);
		if (!unowned) return undefined;
		const claimed = { ...unowned, ownerId };
		await this.storage.put(claimed);
		await this.notify();
		return claimed;
	}

	/** Deletes an entry of this account, or an unowned one; another account's entry stays. */
	async discard(sessionId: string, ownerId: string): Promise<void> {
		const entry = (await this.entries()).find((candidate) => candidate.session.id === sessionId);
		if (entry && (entry.ownerId === null || entry.ownerId === ownerId)) await this.remove([sessionId]);
	}

	async remove(sessionIds: string[]): Promise<void> {
		for (const sessionId of sessionIds) await this.storage.remove(sessionId);
		await this.notify();
	}

	/** Forgets synced entries; the server's list shows them from now on. */
	async clearDone(): Promise<void> {
		const done = (await this.entries()).filter((entry) => entry.state === "done");
		await this.remove(done.map((entry) => entry.session.id));
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
