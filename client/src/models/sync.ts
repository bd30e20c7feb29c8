import type { NewPracticeSession } from "./session";

export type SyncState = "waiting" | "syncing" | "done" | "failed";

export interface QueuedSession {
	session: NewPracticeSession;
	state: SyncState;
	attempts: number;
	/** Code of the last rejection, kept so the student sees why a session will not sync. */
	lastErrorCode: string | null;
	queuedAt: string;
}
