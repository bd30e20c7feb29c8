import type { NewPracticeSession } from "../models/session";
import { ApiError } from "./api-error";
import type { SessionQueue } from "./session-queue";

export interface SyncWorkerOptions {
	queue: SessionQueue;
	/** Sends one session; the server treats a repeated id as the same session, so resending is safe. */
	send: (session: NewPracticeSession) => Promise<unknown>;
	isOnline: () => Promise<boolean>;
}

export interface SyncRunResult {
	sent: number;
	/** Entries left waiting because the network or server failed part-way. */
	deferred: number;
	rejected: number;
}

/** Sends queued sessions in order, one run at a time. */
export class SyncWorker {
	private running: Promise<SyncRunResult> | null = null;
	private rerunRequested = false;

	constructor(private readonly options: SyncWorkerOptions) {}

	/** Runs now, or once more right after the run in progress, so nothing enqueued meanwhile waits for a timer. */
	run(): Promise<SyncRunResult> {
		if (this.running) {
			this.rerunRequested = true;
			return this.running;
		}
		this.running = this.drain().finally(() => {
			this.running = null;
			if (this.rerunRequested) {
				this.rerunRequested = false;
				void this.run();
			}
		});
		return this.running;
	}

	private async drain(): Promise<SyncRunResult> {
		const result: SyncRunResult = { sent: 0, deferred: 0, rejected: 0 };
		const { queue, send, isOnline } = this.options;
		// An entry left "syncing" by an app that was killed mid-request is retried: the id makes it idempotent.
		const pending = [...(await queue.entriesIn("syncing")), ...(await queue.entriesIn("waiting"))];
		for (const [index, waiting] of pending.entries()) {
			if (!(await isOnline())) {
				result.deferred = pending.length - index;
				break;
			}
			const syncing = await queue.update(waiting, { state: "syncing", attempts: waiting.attempts + 1 });
			try {
				await send(syncing.session);
				await queue.update(syncing, { state: "done", lastErrorCode: null });
				result.sent += 1;
			} catch (error) {
				// Signed out is not the session's fault: it waits for the next sign-in rather than failing.
				const transient = !(error instanceof ApiError) || error.isTransient || error.status === 401;
				const code = error instanceof ApiError ? error.code : null;
				await queue.update(syncing, { state: transient ? "waiting" : "failed", lastErrorCode: code });
				if (transient) {
					result.deferred = pending.length - index;
					break;
				}
				result.rejected += 1;
			}
		}
		return result;
	}
}
