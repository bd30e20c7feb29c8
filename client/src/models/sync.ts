import type { NewPracticeSession } from "./session";

export type SyncState = "waiting" | "syncing" | "done" | "failed";

export interface QueuedSession {
	session: NewPracticeSession;
	/**
	 * The account that logged it; only that account ever sends it. null for entries an earlier version stored
	 * without an owner: they wait until someone who signs in confirms they are theirs (see client/README.md).
	 */
	ownerId: string | null;
	state: SyncState;
	attempts: number;
	/** Code of the last refusal or failure, kept so the student sees why a session will not sync. */
	lastErrorCode: string | null;
	/** The server's own words for that refusal. */
	lastErrorMessage: string | null;
	queuedAt: string;
}
