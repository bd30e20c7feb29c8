import { describe, expect, it } from "vitest";
import { createPasswordHasher, ServerBusyError } from "./password-hashing";

describe("bounded password hashing", () => {
	it("hashes and verifies", async () => {
		const hasher = createPasswordHasher({ concurrency: 1 });
		const hash = await hasher.hash("correct horse battery");
		expect(await hasher.verify(hash, "correct horse battery")).toBe(true);
		expect(await hasher.verify(hash, "wrong")).toBe(false);
	});

	it("runs at most `concurrency` hashes at once and queues the rest", async () => {
		const hasher = createPasswordHasher({ concurrency: 2, maxWaitMs: 60_000 });
		let peak = 0;
		const all = Array.from({ length: 6 }, (_, index) => {
			const hashing = hasher.hash(`password ${index}`);
			peak = Math.max(peak, hasher.load().running);
			return hashing;
		});
		await Promise.all(all);
		expect(peak).toBeLessThanOrEqual(2);
		expect(hasher.load()).toMatchObject({ running: 0, waiting: 0 });
	});

	it("refuses work that would wait too long with a 503 and a retry time", async () => {
		const hasher = createPasswordHasher({ concurrency: 1, maxWaitMs: 1 });
		const first = hasher.hash("one");
		const refused = await hasher.hash("two").catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(ServerBusyError);
		expect((refused as ServerBusyError).code).toBe(503);
		expect((refused as ServerBusyError).data).toEqual({ retryAfterSeconds: expect.any(Number) });
		await first;
	});
});
