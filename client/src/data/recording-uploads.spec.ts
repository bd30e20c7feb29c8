// @vitest-environment node
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "@tus/file-store";
import { Server as TusServer } from "@tus/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SensorFile, UploadStatus } from "../models/recording";
import { uploadMedia, type MediaUploadRequest } from "./media-upload";
import { MemoryRecordingStore, RecordingUploads, type RecordingStore } from "./recording-uploads";
import { MemoryTokenStore } from "./token-store";

const VALID_TOKEN = "access-token-1";
/** Two members of one family sharing a tablet. */
const ADA = "5b7e2f0a-8c1d-4e3f-9a6b-000000000001";
const BEN = "5b7e2f0a-8c1d-4e3f-9a6b-000000000002";

/** A real tus 1.0 server, as the gateway will run, that only accepts uploads carrying a valid bearer token. */
async function startTusServer(directory: string) {
	const tus = new TusServer({
		path: "/api/uploads",
		datastore: new FileStore({ directory }),
		onUploadCreate: async (request, upload) => {
			if (request.headers.get("authorization") !== `Bearer ${VALID_TOKEN}`) {
				throw { status_code: 401, body: JSON.stringify({ code: "ERR_INVALID_TOKEN", message: "Bad token" }) };
			}
			if (!upload.metadata?.sessionId) {
				throw { status_code: 422, body: JSON.stringify({ code: "ERR_VALIDATION", message: "sessionId missing" }) };
			}
			return {};
		}
	});
	const server = createServer((request, response) => {
		if (!request.url?.startsWith("/api/uploads")) {
			response.writeHead(404).end();
			return;
		}
		void tus.handle(request, response);
	});
	await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
	return server;
}

interface FlakyNetwork {
	/** Cut the connection once, after this many bytes of a PATCH body have gone through. */
	dropFirstPatchAfterBytes?: number;
	patchBytes: number;
	heads: number;
}

/** A TCP hop between client and server that counts what crosses it and can cut a connection mid-upload. */
async function startFlakyProxy(targetPort: number, network: FlakyNetwork): Promise<TcpServer> {
	const proxy = createTcpServer((client) => {
		const upstream = connect(targetPort, "127.0.0.1");
		let inPatch = false;
		let patchBytesOnConnection = 0;
		client.on("data", (chunk: Buffer) => {
			const head = chunk.subarray(0, 6).toString("latin1");
			if (head.startsWith("HEAD ")) network.heads += 1;
			if (head.startsWith("PATCH ")) inPatch = true;
			if (!inPatch) return;
			patchBytesOnConnection += chunk.length;
			network.patchBytes += chunk.length;
			const dropAfter = network.dropFirstPatchAfterBytes;
			if (dropAfter !== undefined && patchBytesOnConnection >= dropAfter) {
				network.dropFirstPatchAfterBytes = undefined;
				client.destroy();
				upstream.destroy();
			}
		});
		client.pipe(upstream).on("error", () => client.destroy());
		upstream.pipe(client).on("error", () => upstream.destroy());
		client.on("error", () => upstream.destroy());
		upstream.on("error", () => client.destroy());
		upstream.on("data", () => {
			inPatch = false;
		});
	});
	await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
	return proxy;
}

function sensorFile(sampleCount: number): SensorFile {
	return {
		version: 1,
		startedAt: "2026-11-26T08:00:00.000Z",
		samples: Array.from({ length: sampleCount }, (_, index) => ({
			t: index * 10,
			gyro: [0.01 * index, 0, -0.02],
			accel: [0, 9.81, 0]
		}))
	};
}

describe("recording uploads over tus against a real tus server", () => {
	const directory = mkdtempSync(join(tmpdir(), "etude-tus-"));
	const network: FlakyNetwork = { patchBytes: 0, heads: 0 };
	let server: Server;
	let proxy: TcpServer;
	let origin = "";
	beforeAll(async () => {
		server = await startTusServer(directory);
		proxy = await startFlakyProxy((server.address() as AddressInfo).port, network);
		origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await new Promise((done) => proxy.close(done));
		server.closeAllConnections();
		await new Promise((done) => server.close(done));
		rmSync(directory, { recursive: true, force: true });
	});

	function uploader(endpoint: string, tokens = new MemoryTokenStore({ token: VALID_TOKEN, refreshToken: "r" })) {
		return (request: Omit<MediaUploadRequest, "tokens" | "endpoint">) => uploadMedia({ ...request, endpoint, tokens });
	}

	/** As the app wires it, but with sensor files as Buffers: tus-js-client's Node build cannot read Blobs. */
	function recordingUploads(
		endpoint: string,
		options: { tokens?: MemoryTokenStore; store?: RecordingStore; ownerId?: string; forgotten?: string[] } = {}
	): RecordingUploads {
		return new RecordingUploads({
			ownerId: options.ownerId ?? ADA,
			upload: uploader(endpoint, options.tokens),
			forget: async (sessionId) => void options.forgotten?.push(sessionId),
			store: options.store ?? new MemoryRecordingStore(),
			toSensorBytes: (json) => Buffer.from(json)
		});
	}

	it("uploads the file whole, with the session and kind as metadata, reporting progress up to 1", async () => {
		const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
		const fractions: number[] = [];
		const url = await uploader(`${origin}/api/uploads`)({
			sessionId: "session-1",
			kind: "video",
			source: bytes,
			filename: "practice.webm",
			filetype: "video/webm",
			onProgress: (fraction) => fractions.push(fraction)
		});

		const uploadId = url.split("/").pop()!;
		expect(readFileSync(join(directory, uploadId)).equals(bytes)).toBe(true);
		const info = JSON.parse(readFileSync(join(directory, `${uploadId}.json`), "utf8")) as {
			metadata: Record<string, string>;
		};
		expect(info.metadata).toMatchObject({ sessionId: "session-1", kind: "video", filename: "practice.webm" });
		expect(fractions.at(-1)).toBe(1);
		expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
	});

	it("resumes from the bytes the server kept after the connection drops mid-upload", async () => {
		const bytes = Buffer.alloc(3 * 1024 * 1024, 3);
		network.patchBytes = 0;
		network.heads = 0;
		network.dropFirstPatchAfterBytes = 1024 * 1024;

		const url = await uploader(`${origin}/api/uploads`)({
			sessionId: "session-dropped",
			kind: "video",
			source: bytes,
			filename: "practice.webm",
			filetype: "video/webm"
		});

		expect(readFileSync(join(directory, url.split("/").pop()!)).equals(bytes)).toBe(true);
		expect(network.heads).toBeGreaterThanOrEqual(1);
		// Resumed, not restarted: well under two full copies crossed the wire.
		expect(network.patchBytes).toBeLessThan(bytes.length * 1.5);
	});

	it("waits for the session to reach the server, then uploads its sensor file", async () => {
		const uploads = recordingUploads(`${origin}/api/uploads`);
		const seen: UploadStatus[][] = [];
		uploads.subscribe((statuses) => seen.push(statuses.get("session-2") ?? []));
		const before = readdirSync(directory).length;

		await uploads.attach("session-2", { sensors: sensorFile(500) });
		expect(uploads.current().get("session-2")).toEqual([
			{ kind: "sensors", state: "waiting", progress: 0, errorCode: null }
		]);
		expect(readdirSync(directory).length).toBe(before);

		await uploads.sessionSynced("session-2");

		expect(uploads.current().get("session-2")).toEqual([
			{ kind: "sensors", state: "done", progress: 1, errorCode: null }
		]);
		expect(seen.map((statuses) => statuses[0]?.state)).toContain("uploading");
		const stored = readdirSync(directory)
			.filter((name) => name.endsWith(".json"))
			.map(
				(name) =>
					JSON.parse(readFileSync(join(directory, name), "utf8")) as { id: string; metadata: Record<string, string> }
			)
			.find((info) => info.metadata.sessionId === "session-2")!;
		expect(stored.metadata.kind).toBe("sensors");
		expect(JSON.parse(readFileSync(join(directory, stored.id), "utf8"))).toEqual(sensorFile(500));
	});

	it("does nothing for a synced session that has no recording", async () => {
		const uploads = recordingUploads(`${origin}/api/uploads`);
		await uploads.sessionSynced("no-recording");
		expect(uploads.current().size).toBe(0);
	});

	it("reports the server's own code when it refuses the upload", async () => {
		const uploads = recordingUploads(`${origin}/api/uploads`, {
			tokens: new MemoryTokenStore({ token: "expired", refreshToken: "r" })
		});
		await uploads.attach("session-3", { sensors: sensorFile(3) });
		await uploads.sessionSynced("session-3");
		expect(uploads.current().get("session-3")?.[0]).toMatchObject({ state: "failed", errorCode: "ERR_INVALID_TOKEN" });
	});

	it("says uploads are unavailable while the server has no upload endpoint", async () => {
		const uploads = recordingUploads(`${origin}/api/not-there`);
		await uploads.attach("session-4", { sensors: sensorFile(3) });
		await uploads.sessionSynced("session-4");
		expect(uploads.current().get("session-4")?.[0]).toMatchObject({
			state: "failed",
			errorCode: "ERR_UPLOADS_UNAVAILABLE"
		});
	});

	it("keeps a recording whose upload failed and uploads it when the app starts again", async () => {
		const store = new MemoryRecordingStore();
		const firstRun = recordingUploads(`${origin}/api/not-there`, { store });
		await firstRun.attach("session-5", { sensors: sensorFile(20) });
		await firstRun.sessionSynced("session-5");
		expect(firstRun.current().get("session-5")?.[0]?.state).toBe("failed");
		expect([...(await store.owners()).keys()]).toEqual(["session-5"]);

		const nextRun = recordingUploads(`${origin}/api/uploads`, { store });
		expect(await nextRun.restore()).toEqual(["session-5"]);
		expect(nextRun.current().get("session-5")?.[0]?.state).toBe("waiting");
		await nextRun.sessionSynced("session-5");

		expect(nextRun.current().get("session-5")?.[0]?.state).toBe("done");
		expect((await store.owners()).size).toBe(0);
	});

	it("uploads a recording once when the session is reported synced twice at the same time", async () => {
		const uploads = recordingUploads(`${origin}/api/uploads`);
		await uploads.attach("session-6", { sensors: sensorFile(5) });
		const headsBefore = network.heads;
		const createdBefore = readdirSync(directory).length;

		await Promise.all([uploads.sessionSynced("session-6"), uploads.sessionSynced("session-6")]);

		expect(readdirSync(directory).length - createdBefore).toBe(2);
		expect(network.heads).toBe(headsBefore);
	});

	it("shows and uploads only the signed-in account's recordings; another account's stay on the device untouched", async () => {
		const store = new MemoryRecordingStore();
		await recordingUploads(`${origin}/api/uploads`, { store, ownerId: ADA }).attach("ada-1", {
			sensors: sensorFile(8)
		});
		const filesBefore = readdirSync(directory).length;

		const bensRun = recordingUploads(`${origin}/api/uploads`, { store, ownerId: BEN });
		expect(await bensRun.restore()).toEqual([]);
		await bensRun.sessionSynced("ada-1");
		await bensRun.discard("ada-1");

		expect(bensRun.current().size).toBe(0);
		expect(readdirSync(directory).length).toBe(filesBefore);
		expect(await store.owners()).toEqual(new Map([["ada-1", ADA]]));

		const adasNextRun = recordingUploads(`${origin}/api/uploads`, { store, ownerId: ADA });
		expect(await adasNextRun.restore()).toEqual(["ada-1"]);
		await adasNextRun.sessionSynced("ada-1");
		expect(adasNextRun.current().get("ada-1")?.[0]?.state).toBe("done");
	});

	it("keeps a recording stored before recordings had owners aside until someone claims it", async () => {
		const store = new MemoryRecordingStore();
		await store.save("old-1", { ownerId: null, recording: { sensors: sensorFile(4) } });
		const bensRun = recordingUploads(`${origin}/api/uploads`, { store, ownerId: BEN });

		expect(await bensRun.restore()).toEqual([]);
		expect(await bensRun.unclaimed()).toEqual([{ sessionId: "old-1", videoBytes: null, sensorSamples: 4 }]);
		await bensRun.sessionSynced("old-1");
		expect(bensRun.current().size).toBe(0);

		expect(await bensRun.claim("old-1")).toBe(true);
		expect(await recordingUploads(`${origin}/api/uploads`, { store, ownerId: ADA }).claim("old-1")).toBe(false);
		expect(await bensRun.unclaimed()).toEqual([]);
		await bensRun.sessionSynced("old-1");
		expect(bensRun.current().get("old-1")?.[0]?.state).toBe("done");
	});

	it("discards the account's recordings from the device and forgets their partly sent files", async () => {
		const store = new MemoryRecordingStore();
		const forgotten: string[] = [];
		const uploads = recordingUploads(`${origin}/api/uploads`, { store, ownerId: ADA, forgotten });
		await uploads.attach("ada-2", { sensors: sensorFile(3) });
		await uploads.attach("ada-3", { sensors: sensorFile(3) });
		await store.save("ben-1", { ownerId: BEN, recording: { sensors: sensorFile(3) } });

		await uploads.discardAll();

		expect(await store.owners()).toEqual(new Map([["ben-1", BEN]]));
		expect(forgotten.sort()).toEqual(["ada-2", "ada-3"]);
		expect(uploads.current().size).toBe(0);
	});

	it("pauses the upload in flight on sign-out; the recording waits for the same account's next start", async () => {
		const store = new MemoryRecordingStore();
		const uploads = recordingUploads(`${origin}/api/uploads`, { store, ownerId: ADA });
		// Several chunks long, so the sign-out lands mid-upload.
		await uploads.attach("ada-4", { sensors: sensorFile(200_000) });
		uploads.subscribe((statuses) => {
			const [status] = statuses.get("ada-4") ?? [];
			if (status?.state === "uploading" && status.progress > 0) uploads.stop();
		});

		await uploads.sessionSynced("ada-4");

		expect(uploads.current().get("ada-4")?.[0]).toMatchObject({ state: "waiting", errorCode: null });
		expect(await store.owners()).toEqual(new Map([["ada-4", ADA]]));
		await uploads.sessionSynced("ada-4");
		expect(uploads.current().get("ada-4")?.[0]?.state).toBe("waiting");

		const nextRun = recordingUploads(`${origin}/api/uploads`, { store, ownerId: ADA });
		await nextRun.restore();
		await nextRun.sessionSynced("ada-4");
		expect(nextRun.current().get("ada-4")?.[0]?.state).toBe("done");
	});
});
