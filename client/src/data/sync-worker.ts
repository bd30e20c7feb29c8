import type { NewPracticeSession } from "../models/session";
import { ApiError } from "./api-error";
import type { SessionQueue } from "./session-queue";

export interface SyncWorkerOptions {
	queue: SessionQueue;
	/** The signed-in account: the worker sends its entries and no one else's. */
	ownerId: string;
	/**
	 * Sends one session as that account, and must refuse (401) rather than send with another account's token.
	 * The server treats a repeated id as the same session, so resending is safe.
	 */
	send: (session: NewPracticeSession, ownerId: string) => Promise<unknown>;
	isOnline: () => Promise<boolean>;
}

export interface SyncRunResult {
	sent: number;
	/** Entries left waiting because the network or server failed part-way. */
	deferred: number;
	rejected: number;
}

const NOTHING_DONE: SyncRunResult = { sent: 0, deferred: 0, rejected: 0 };

/** Sends one account's queued sessions in order, one run at a time. */
export class SyncWorker {
	private running: Promise<SyncRunResult> | null = null;
	private rerunRequested = false;
	private stopped = false;

	constructor(private readonly options: SyncWorkerOptions) {}

	/** Runs now, or once more right after the run in progress, so nothing enqueued meanwhile waits for a timer. */
	run(): Promise<SyncRunResult> {
		if (this.stopped) return Promise.resolve(NOTHING_DONE);
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

	/** Sends a refused entry of this account again, e.g. once what the server objected to is fixed. */
	async retry(sessionId: string): Promise<SyncRunResult> {
		const { queue, ownerId } = this.options;
		const refused = (await queue.entriesOf(ownerId)).find(
			(entry) => entry.session.id === sessionId && entry.state === "failed"
		);
		if (refused) await queue.update(refused, { state: "waiting" });
		return this.run();
	}

	/** Sends nothing more, and settles once the request in flight (if any) has its answer recorded. */
	async stop(): Promise<void> {
		this.stopped = true;
		await this.running;
	}

	private async drain(): Promise<SyncRunResult> {
		const result: SyncRunResult = { ...NOTHING_DONE };
		const { queue, ownerId, send, isOnline } = this.options;
		const own = await queue.entriesOf(ownerId);
		// An entry left "syncing" by an app that was killed mid-request is retried: the id makes it idempotent.
		const pending = [
			...own.filter((entry) => entry.state === "syncing"),
			...own.filter((entry) => entry.state === "waiting")
		];
		for (const [index, waiting] of pending.entries()) {
			if (this.stopped || !(await isOnline())) {
				result.deferred = pending.length - index;
				break;
			}
			const syncing = await queue.update(waiting, { state: "syncing", attempts: waiting.attempts + 1 });
			try {
				await send(syncing.session, ownerId);
				await queue.update(syncing, { state: "done", lastErrorCode: null, lastErrorMessage: null });
				result.sent += 1;
			} catch (error) {
				// Signed out is not the session's fault: it waits for its owner's next sign-in rather than failing.
				const transient = !(error instanceof ApiError) || error.isTransient || error.status === 401;
				await queue.update(syncing, {
					state: transient ? "waiting" : "failed",
					lastErrorCode: error instanceof ApiError ? error.code : null,
					lastErrorMessage: error instanceof ApiError ? error.message : null
				});
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
