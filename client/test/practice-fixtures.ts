import type { NewPracticeSession } from "../src/models/session";
import type { QueuedSession } from "../src/models/sync";

/** A 20-minute scales session starting `minute` minutes after 08:00 UTC on 26 November 2026. */
export function practiceSession(minute: number): NewPracticeSession {
	const startedAt = new Date(Date.UTC(2026, 10, 26, 8, minute)).toISOString();
	const endedAt = new Date(Date.UTC(2026, 10, 26, 8, minute + 20)).toISOString();
	return { id: crypto.randomUUID(), focus: "scales", startedAt, endedAt };
}

/** A queue entry as the version before owners wrote it, read back by today's storage. */
export function queuedWithoutOwner(session: NewPracticeSession, queuedAt = new Date().toISOString()): QueuedSession {
	return {
		session,
		ownerId: null,
		state: "waiting",
		attempts: 0,
		lastErrorCode: null,
		lastErrorMessage: null,
		queuedAt
	};
}
