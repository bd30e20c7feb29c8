import os from "node:os";
import argon2 from "argon2";
import { EtudeClientError } from "./errors";

// OWASP's recommended argon2id profile: strong, yet ~20 ms on one core so sign-in stays quick.
const PASSWORD_HASHING = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The server is at its limit for this kind of work: the client should try again shortly. */
export class ServerBusyError extends EtudeClientError {
	constructor(retryAfterSeconds: number) {
		super("Many people are signing in at once; please try again in a moment", 503, "ERR_BUSY", { retryAfterSeconds });
	}
}

export interface PasswordHasherOptions {
	/** Hashes computed at once: one per core, since each takes a core for its whole run. */
	concurrency?: number;
	/** The longest a request may wait for its turn before it is refused with 503 instead. */
	maxWaitMs?: number;
}

/**
 * Password hashing bounded to what the cores can do. argon2 is deliberately slow and memory-hard,
 * so a burst (a class of 30 signing up at once) must queue rather than starve everything else, and
 * a request that would wait too long is refused at once with 503 + Retry-After, well before the
 * gateway's timeout could turn it into an error the student cannot act on.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}) {
	const concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
	const maxWaitMs = options.maxWaitMs ?? 3_000;
	let running = 0;
	const waiting: Array<() => void> = [];
	// A running estimate of one hash's duration, so the wait can be predicted on any machine.
	let averageMs = 50;

	async function run<T>(work: () => Promise<T>): Promise<T> {
		const expectedWaitMs = Math.ceil((running + waiting.length + 1) / concurrency) * averageMs;
		if (running >= concurrency && expectedWaitMs > maxWaitMs) throw new ServerBusyError(Math.max(1, Math.ceil(expectedWaitMs / 1000)));
		if (running >= concurrency) {
			const queuedAt = performance.now();
			await new Promise<void>((resolve) => waiting.push(resolve));
			// The estimate was wrong (the machine slowed down): refuse rather than run into the caller's timeout.
			if (performance.now() - queuedAt > maxWaitMs) {
				waiting.shift()?.();
				throw new ServerBusyError(Math.max(1, Math.ceil(averageMs / 1000)));
			}
		}
		running += 1;
		const startedAt = performance.now();
		try {
			return await work();
		} finally {
			averageMs = averageMs * 0.8 + (performance.now() - startedAt) * 0.2;
			running -= 1;
			waiting.shift()?.();
		}
	}

	return {
		hash: (password: string) => run(() => argon2.hash(password, PASSWORD_HASHING)),
		verify: (hash: string, password: string) => run(() => argon2.verify(hash, password)),
		/** For tests and metrics: how much work is in progress and queued. */
		load: () => ({ running, waiting: waiting.length, averageMs })
	};
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
