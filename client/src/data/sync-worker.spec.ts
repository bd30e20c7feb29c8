import { describe, expect, it } from "vitest";
import type { NewPracticeSession } from "../models/session";
import { ApiError, CLIENT_ERROR_CODES } from "./api-error";
import { MemorySessionQueueStorage, SessionQueue } from "./session-queue";
import { SyncWorker } from "./sync-worker";

/** Stands in for POST /api/sessions: keeps sessions by client id, as the contract says a replay must. */
class SessionsEndpoint {
	readonly stored = new Map<string, NewPracticeSession>();
	requests = 0;
	failNext: ApiError[] = [];
	/** Runs before answering, to look at the device's queue while the request is in flight. */
	onRequest: (session: NewPracticeSession) => Promise<void> = async () => {};

	send = async (session: NewPracticeSession) => {
		this.requests += 1;
		await this.onRequest(session);
		const failure = this.failNext.shift();
		if (failure) throw failure;
		this.stored.set(session.id, session);
		return session;
	};
}

function practiceSession(minute: number): NewPracticeSession {
	const startedAt = new Date(Date.UTC(2026, 10, 26, 8, minute)).toISOString();
	const endedAt = new Date(Date.UTC(2026, 10, 26, 8, minute + 20)).toISOString();
	return { id: crypto.randomUUID(), focus: "scales", startedAt, endedAt };
}

function setup(online = true) {
	const storage = new MemorySessionQueueStorage();
	const queue = new SessionQueue(storage);
	const endpoint = new SessionsEndpoint();
	const network = { online };
	const worker = new SyncWorker({ queue, send: endpoint.send, isOnline: async () => network.online });
	return { storage, queue, endpoint, network, worker };
}

const offlineError = () => new ApiError(CLIENT_ERROR_CODES.network, "unreachable", 0);

describe("offline queue and sync worker", () => {
	it("has the session stored on the device before the request goes out", async () => {
		const { storage, queue, endpoint, worker } = setup();
		const session = practiceSession(0);
		let storedDuringRequest: string[] = [];
		endpoint.onRequest = async () => {
			storedDuringRequest = (await storage.list()).map((entry) => entry.session.id);
		};

		await queue.enqueue(session);
		await worker.run();

		expect(storedDuringRequest).toEqual([session.id]);
		expect((await queue.entries())[0]?.state).toBe("done");
	});

	it("keeps sessions waiting while offline and sends each exactly once when back online", async () => {
		const { queue, endpoint, network, worker } = setup(false);
		const first = practiceSession(0);
		const second = practiceSession(30);
		await queue.enqueue(first);
		await queue.enqueue(second);

		const offlineRun = await worker.run();
		expect(offlineRun).toEqual({ sent: 0, deferred: 2, rejected: 0 });
		expect(endpoint.requests).toBe(0);
		expect((await queue.entries()).map((entry) => entry.state)).toEqual(["waiting", "waiting"]);

		network.online = true;
		await worker.run();
		await worker.run();

		expect([...endpoint.stored.keys()]).toEqual([first.id, second.id]);
		expect(endpoint.requests).toBe(2);
		expect((await queue.entries()).map((entry) => entry.state)).toEqual(["done", "done"]);
	});

	it("resends with the same id after a lost answer, and the server keeps one session", async () => {
		const { queue, endpoint, worker } = setup();
		const session = practiceSession(0);
		await queue.enqueue(session);
		// The request reached the server but the answer was lost on the way back.
		endpoint.onRequest = async (sent) => {
			endpoint.stored.set(sent.id, sent);
		};
		endpoint.failNext = [offlineError()];

		expect(await worker.run()).toEqual({ sent: 0, deferred: 1, rejected: 0 });
		expect((await queue.entries())[0]).toMatchObject({ state: "waiting", lastErrorCode: "ERR_NETWORK", attempts: 1 });

		expect(await worker.run()).toEqual({ sent: 1, deferred: 0, rejected: 0 });
		expect(endpoint.stored.size).toBe(1);
		expect((await queue.entries())[0]).toMatchObject({ state: "done", attempts: 2, lastErrorCode: null });
	});

	it("marks a session the server refuses as failed with the reason, and goes on with the next", async () => {
		const { queue, endpoint, worker } = setup();
		const refused = practiceSession(0);
		const accepted = practiceSession(30);
		await queue.enqueue(refused);
		await queue.enqueue(accepted);
		endpoint.failNext = [new ApiError("ERR_VALIDATION", "endedAt must be after startedAt", 422)];

		expect(await worker.run()).toEqual({ sent: 1, deferred: 0, rejected: 1 });
		const [first, second] = await queue.entries();
		expect(first).toMatchObject({ state: "failed", lastErrorCode: "ERR_VALIDATION" });
		expect(second?.state).toBe("done");
	});

	it("leaves sessions waiting, not failed, when the student has been signed out", async () => {
		const { queue, endpoint, worker } = setup();
		await queue.enqueue(practiceSession(0));
		endpoint.failNext = [new ApiError("ERR_INVALID_REFRESH_TOKEN", "revoked", 401)];

		await worker.run();

		expect((await queue.entries())[0]).toMatchObject({ state: "waiting", lastErrorCode: "ERR_INVALID_REFRESH_TOKEN" });
	});

	it("does not send a session twice when runs overlap", async () => {
		const { queue, endpoint, worker } = setup();
		await queue.enqueue(practiceSession(0));
		await queue.enqueue(practiceSession(30));

		await Promise.all([worker.run(), worker.run(), worker.run()]);
		await worker.run();

		expect(endpoint.requests).toBe(2);
		expect(endpoint.stored.size).toBe(2);
	});

	it("picks up a session enqueued during a run without waiting for a timer", async () => {
		const { queue, endpoint, worker } = setup();
		const late = practiceSession(30);
		await queue.enqueue(practiceSession(0));
		endpoint.onRequest = async () => {
			endpoint.onRequest = async () => {};
			await queue.enqueue(late);
			void worker.run();
		};

		await worker.run();
		await expect.poll(() => endpoint.stored.has(late.id)).toBe(true);
	});

	it("resends a session left syncing by an app that was closed mid-request", async () => {
		const { storage, queue, endpoint, worker } = setup();
		const session = practiceSession(0);
		await storage.put({
			session,
			state: "syncing",
			attempts: 1,
			lastErrorCode: null,
			queuedAt: new Date().toISOString()
		});

		await worker.run();

		expect(endpoint.stored.has(session.id)).toBe(true);
		expect((await queue.entries())[0]?.state).toBe("done");
	});

	it("forgets synced sessions on request and keeps the others", async () => {
		const { queue, endpoint, worker } = setup();
		await queue.enqueue(practiceSession(0));
		await worker.run();
		const stillWaiting = practiceSession(30);
		await queue.enqueue(stillWaiting);
		endpoint.failNext = [offlineError()];
		await worker.run();

		await queue.clearDone();

		expect((await queue.entries()).map((entry) => entry.session.id)).toEqual([stillWaiting.id]);
	});

	it("tells subscribers about every state change", async () => {
		const { queue, worker } = setup();
		const seen: string[] = [];
		queue.subscribe((entries) => seen.push(entries.map((entry) => entry.state).join(",")));

		await queue.enqueue(practiceSession(0));
		await worker.run();

		expect(seen).toEqual(["waiting", "syncing", "done"]);
	});
});
