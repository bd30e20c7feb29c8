import { describe, expect, it } from "vitest";
import type { NewPracticeSession } from "../models/session";
import { ApiError, CLIENT_ERROR_CODES } from "./api-error";
import { MemorySessionQueueStorage, SessionQueue } from "./session-queue";
import { SyncWorker } from "./sync-worker";
import { practiceSession, queuedWithoutOwner } from "../../test/practice-fixtures";

/** Stands in for POST /api/sessions: keeps sessions by client id, as the contract says a replay must. */
class SessionsEndpoint {
	readonly stored = new Map<string, NewPracticeSession>();
	requests = 0;
	failNext: ApiError[] = [];
	/** The account each session was sent as, by session id. */
	readonly sentAs = new Map<string, string>();
	/** Runs before answering, to look at the device's queue while the request is in flight. */
	onRequest: (session: NewPracticeSession) => Promise<void> = async () => {};

	send = async (session: NewPracticeSession, accountId: string) => {
		this.requests += 1;
		this.sentAs.set(session.id, accountId);
		await this.onRequest(session);
		const failure = this.failNext.shift();
		if (failure) throw failure;
		this.stored.set(session.id, session);
		return session;
	};
}

/** Two members of one family sharing a tablet. */
const ADA = "7f0c7a52-1d1b-4c55-9a0e-0a4f1c1d0001";
const BEN = "7f0c7a52-1d1b-4c55-9a0e-0a4f1c1d0002";

function setup(online = true, ownerId = ADA) {
	const storage = new MemorySessionQueueStorage();
	const queue = new SessionQueue(storage);
	const endpoint = new SessionsEndpoint();
	const network = { online };
	const worker = new SyncWorker({ queue, ownerId, send: endpoint.send, isOnline: async () => network.online });
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

		await queue.enqueue(ADA, session);
		await worker.run();

		expect(storedDuringRequest).toEqual([session.id]);
		expect((await queue.entries())[0]?.state).toBe("done");
	});

	it("keeps sessions waiting while offline and sends each exactly once when back online", async () => {
		const { queue, endpoint, network, worker } = setup(false);
		const first = practiceSession(0);
		const second = practiceSession(30);
		await queue.enqueue(ADA, first);
		await queue.enqueue(ADA, second);

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
		await queue.enqueue(ADA, session);
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
		await queue.enqueue(ADA, refused);
		await queue.enqueue(ADA, accepted);
		endpoint.failNext = [new ApiError("ERR_VALIDATION", "endedAt must be after startedAt", 422)];

		expect(await worker.run()).toEqual({ sent: 1, deferred: 0, rejected: 1 });
		const [first, second] = await queue.entries();
		expect(first).toMatchObject({
			state: "failed",
			lastErrorCode: "ERR_VALIDATION",
			lastErrorMessage: "endedAt must be after startedAt"
		});
		expect(second?.state).toBe("done");
	});

	it("leaves sessions waiting, not failed, when the student has been signed out", async () => {
		const { queue, endpoint, worker } = setup();
		await queue.enqueue(ADA, practiceSession(0));
		endpoint.failNext = [new ApiError("ERR_INVALID_REFRESH_TOKEN", "revoked", 401)];

		await worker.run();

		expect((await queue.entries())[0]).toMatchObject({ state: "waiting", lastErrorCode: "ERR_INVALID_REFRESH_TOKEN" });
	});

	it("does not send a session twice when runs overlap", async () => {
		const { queue, endpoint, worker } = setup();
		await queue.enqueue(ADA, practiceSession(0));
		await queue.enqueue(ADA, practiceSession(30));

		await Promise.all([worker.run(), worker.run(), worker.run()]);
		await worker.run();

		expect(endpoint.requests).toBe(2);
		expect(endpoint.stored.size).toBe(2);
	});

	it("picks up a session enqueued during a run without waiting for a timer", async () => {
		const { queue, endpoint, worker } = setup();
		const late = practiceSession(30);
		await queue.enqueue(ADA, practiceSession(0));
		endpoint.onRequest = async () => {
			endpoint.onRequest = async () => {};
			await queue.enqueue(ADA, late);
			void worker.run();
		};

		await worker.run();
		await expect.poll(() => endpoint.stored.has(late.id)).toBe(true);
	});

	it("resends a session left syncing by an app that was closed mid-request", async () => {
		const { storage, queue, endpoint, worker } = setup();
		const session = practiceSession(0);
		await storage.put({ ...queuedWithoutOwner(session), ownerId: ADA, state: "syncing", attempts: 1 });

		await worker.run();

		expect(endpoint.stored.has(session.id)).toBe(true);
		expect((await queue.entries())[0]?.state).toBe("done");
	});

	it("forgets synced sessions on request and keeps the others", async () => {
		const { queue, endpoint, worker } = setup();
		await queue.enqueue(ADA, practiceSession(0));
		await worker.run();
		const stillWaiting = practiceSession(30);
		await queue.enqueue(ADA, stillWaiting);
		endpoint.failNext = [offlineError()];
		await worker.run();

		await queue.clearDone();

		expect((await queue.entries()).map((entry) => entry.session.id)).toEqual([stillWaiting.id]);
	});

	it("tells subscribers about every state change", async () => {
		const { queue, worker } = setup();
		const seen: string[] = [];
		queue.subscribe((entries) => seen.push(entries.map((entry) => entry.state).join(",")));

		await queue.enqueue(ADA, practiceSession(0));
		await worker.run();

		expect(seen).toEqual(["waiting", "syncing", "done"]);
	});

	it("sends a refused session again on retry, and it syncs once the server accepts it", async () => {
		const { queue, endpoint, worker } = setup();
		const session = practiceSession(0);
		await queue.enqueue(ADA, session);
		endpoint.failNext = [new ApiError("ERR_SESSION_DELETED", "This session was deleted", 410)];
		await worker.run();
		expect((await queue.entries())[0]).toMatchObject({ state: "failed", lastErrorCode: "ERR_SESSION_DELETED" });

		// A plain run leaves a refused session alone: only the student decides to send it again.
		await worker.run();
		expect(endpoint.requests).toBe(1);

		expect(await worker.retry(session.id)).toEqual({ sent: 1, deferred: 0, rejected: 0 });
		expect((await queue.entries())[0]).toMatchObject({
			state: "done",
			attempts: 2,
			lastErrorCode: null,
			lastErrorMessage: null
		});
	});
});

describe("one tablet, several accounts", () => {
	it("sends only the signed-in account's sessions, each as that account, and leaves the others' waiting", async () => {
		const { storage, queue, endpoint, worker } = setup(true, BEN);
		const adas = practiceSession(0);
		const bens = practiceSession(30);
		const beforeOwners = practiceSession(60);
		await queue.enqueue(ADA, adas);
		await queue.enqueue(BEN, bens);
		await storage.put(queuedWithoutOwner(beforeOwners));

		expect(await worker.run()).toEqual({ sent: 1, deferred: 0, rejected: 0 });

		expect([...endpoint.sentAs]).toEqual([[bens.id, BEN]]);
		const stateById = new Map((await queue.entries()).map((entry) => [entry.session.id, entry.state]));
		expect(stateById.get(adas.id)).toBe("waiting");
		expect(stateById.get(beforeOwners.id)).toBe("waiting");

		const adaSignsIn = new SyncWorker({ queue, ownerId: ADA, send: endpoint.send, isOnline: async () => true });
		await adaSignsIn.run();
		expect(endpoint.sentAs.get(adas.id)).toBe(ADA);
		expect(endpoint.sentAs.has(beforeOwners.id)).toBe(false);
	});

	it("sends a session stored without an owner only after someone claims it, then as the one who claimed it", async () => {
		const { storage, queue, endpoint, worker } = setup(true, BEN);
		const beforeOwners = practiceSession(0);
		await storage.put(queuedWithoutOwner(beforeOwners));
		await worker.run();
		expect(endpoint.requests).toBe(0);

		expect(await queue.claim(beforeOwners.id, BEN)).toMatchObject({ ownerId: BEN });
		await worker.run();

		expect(endpoint.sentAs.get(beforeOwners.id)).toBe(BEN);
	});

	it("lets nobody claim or discard another account's session", async () => {
		const { queue } = setup(true, BEN);
		const adas = practiceSession(0);
		await queue.enqueue(ADA, adas);

		expect(await queue.claim(adas.id, BEN)).toBeUndefined();
		await queue.discard(adas.id, BEN);

		expect(await queue.entries()).toMatchObject([{ session: { id: adas.id }, ownerId: ADA }]);
	});

	it("sends nothing after stopping for a sign-out, and stops only once the request in flight has its answer", async () => {
		const { queue, endpoint, worker } = setup();
		const first = practiceSession(0);
		await queue.enqueue(ADA, first);
		await queue.enqueue(ADA, practiceSession(30));
		let stopped: Promise<void> | undefined;
		endpoint.onRequest = async () => {
			endpoint.onRequest = async () => {};
			stopped = worker.stop();
		};

		await worker.run();
		await stopped;

		expect(endpoint.requests).toBe(1);
		expect((await queue.entries()).map((entry) => entry.state)).toEqual(["done", "waiting"]);
		expect(await worker.run()).toEqual({ sent: 0, deferred: 0, rejected: 0 });
		expect(endpoint.requests).toBe(1);
	});
});
