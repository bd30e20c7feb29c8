import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	createObjectStorage,
	createSignedObjectRequestHandler,
	newObjectKey,
	signObjectUrl,
	verifyObjectUrlSignature
} from "./index";
import { describeObjectStorageContract } from "./object-storage.contract";

const URL_SIGNING_SECRET = "test-secret-that-is-long-enough-for-hmac";

/** Local disk storage plus the HTTP handler the gateway mounts for its signed URLs. */
async function startLocalDiskBackend(handlerOptions: { maxUploadBytes?: number } = {}) {
	const rootDir = await mkdtemp(path.join(tmpdir(), "etude-objects-"));
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	const storage = createObjectStorage({
		backend: "local-disk",
		rootDir,
		publicBaseUrl: `http://127.0.0.1:${port}/objects`,
		urlSigningSecret: URL_SIGNING_SECRET
	});
	await storage.ensureBucket();
	const handle = createSignedObjectRequestHandler({
		storage,
		urlSigningSecret: URL_SIGNING_SECRET,
		basePath: "/objects",
		...handlerOptions
	});
	server.on("request", (req, res) => handle(req, res).catch((error: unknown) => console.error(error)));
	return {
		rootDir,
		storage,
		async teardown() {
			await new Promise((resolve) => server.close(resolve));
			await rm(rootDir, { recursive: true, force: true });
		}
	};
}

describeObjectStorageContract("local disk", () => startLocalDiskBackend());

describe("local disk object storage files and signed URLs", () => {
	let backend: Awaited<ReturnType<typeof startLocalDiskBackend>>;
	beforeAll(async () => {
		backend = await startLocalDiskBackend();
	});
	afterAll(async () => backend?.teardown());

	it("keeps objects inside the root folder and leaves no empty folders after deleting a prefix", async () => {
		const key = newObjectKey("recordings", "source.mp4");
		await backend.storage.put(key, Buffer.from("video"));
		expect(await readdir(path.join(backend.rootDir, "recordings"))).toHaveLength(1);

		await backend.storage.deletePrefix("recordings/");
		expect(await readdir(backend.rootDir)).not.toContain("recordings");
	});

	it("refuses a signed GET URL used for a PUT", async () => {
		const key = newObjectKey("presigned", "readonly.txt");
		await backend.storage.put(key, Buffer.from("original"));
		const response = await fetch(await backend.storage.presignedGetUrl(key, 60), { method: "PUT", body: "overwritten" });

		expect(response.status).toBe(403);
		expect((await backend.storage.stat(key)).sizeBytes).toBe("original".length);
	});

	it("answers a tampered or expired signed URL with 403 and a stable code", async () => {
		const key = newObjectKey("signed", "source.mp4");
		await backend.storage.put(key, Buffer.from("video"));
		const url = new URL(await backend.storage.presignedGetUrl(key, 60));

		const otherKeyUrl = new URL(url);
		otherKeyUrl.pathname = `/objects/${newObjectKey("signed", "source.mp4")}`;
		const tampered = await fetch(otherKeyUrl);
		expect(tampered.status).toBe(403);
		expect(await tampered.json()).toMatchObject({ code: "ERR_OBJECT_URL_SIGNATURE_INVALID" });

		const expiresAtEpochSeconds = Math.floor(Date.now() / 1000) - 1;
		const expiredUrl = new URL(url);
		expiredUrl.searchParams.set("expires", String(expiresAtEpochSeconds));
		expiredUrl.searchParams.set("signature", signObjectUrl({ method: "GET", key, expiresAtEpochSeconds }, URL_SIGNING_SECRET));
		const expired = await fetch(expiredUrl);
		expect(expired.status).toBe(403);
		expect(await expired.json()).toMatchObject({ code: "ERR_OBJECT_URL_EXPIRED" });
	});
});

describe("signed PUT size limit", () => {
	const MAX_UPLOAD_BYTES = 1024;
	let backend: Awaited<ReturnType<typeof startLocalDiskBackend>>;
	beforeAll(async () => {
		backend = await startLocalDiskBackend({ maxUploadBytes: MAX_UPLOAD_BYTES });
	});
	afterAll(async () => backend?.teardown());

	async function signedPut(body: RequestInit["body"]) {
		const key = newObjectKey("limited", "upload.bin");
		const response = await fetch(await backend.storage.presignedPutUrl(key, 60), { method: "PUT", body, duplex: "half" } as RequestInit);
		return { key, response };
	}

	it("accepts an upload within the limit", async () => {
		const { key, response } = await signedPut(Buffer.alloc(MAX_UPLOAD_BYTES));
		expect(response.status).toBe(200);
		expect((await backend.storage.stat(key)).sizeBytes).toBe(MAX_UPLOAD_BYTES);
	});

	it("refuses an upload whose declared length is over the limit with 413 and stores nothing", async () => {
		const { key, response } = await signedPut(Buffer.alloc(MAX_UPLOAD_BYTES + 1));
		expect(response.status).toBe(413);
		expect(await response.json()).toMatchObject({ code: "ERR_OBJECT_TOO_LARGE" });
		await expect(backend.storage.stat(key)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND" });
	});

	it("refuses a chunked upload that grows past the limit without declaring its length", async () => {
		const chunks = [new Uint8Array(600), new Uint8Array(600)];
		const streamedBody = new ReadableStream<Uint8Array>({
			pull(controller) {
				const chunk = chunks.shift();
				if (chunk) controller.enqueue(chunk);
				else controller.close();
			}
		});
		const { key, response } = await signedPut(streamedBody);
		expect(response.status).toBe(413);
		await expect(backend.storage.stat(key)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND" });
	});
});

describe("object URL signatures", () => {
	const request = { method: "GET" as const, key: "recordings/abc/source.mp4", expiresAtEpochSeconds: 2_000_000_000 };
	const signature = signObjectUrl(request, URL_SIGNING_SECRET);
	const beforeExpiryMs = 1_999_999_999_000;

	it("accepts the signature it made before the expiry", () => {
		expect(() => verifyObjectUrlSignature({ ...request, signature }, URL_SIGNING_SECRET, beforeExpiryMs)).not.toThrow();
	});

	it("rejects it once the expiry has passed", () => {
		expect(() => verifyObjectUrlSignature({ ...request, signature }, URL_SIGNING_SECRET, 2_000_000_000_000)).toThrow(
			expect.objectContaining({ type: "ERR_OBJECT_URL_EXPIRED" })
		);
	});

	it.each([
		["another key", { ...request, key: "recordings/abc/other.mp4", signature }],
		["another method", { ...request, method: "PUT" as const, signature }],
		["a later expiry", { ...request, expiresAtEpochSeconds: 2_100_000_000, signature }],
		["a non-numeric expiry", { ...request, expiresAtEpochSeconds: Number.NaN, signature }],
		["a truncated signature", { ...request, signature: signature.slice(1) }]
	])("rejects a signature replayed with %s", (_case, tampered) => {
		expect(() => verifyObjectUrlSignature(tampered, URL_SIGNING_SECRET, beforeExpiryMs)).toThrow(
			expect.objectContaining({ type: "ERR_OBJECT_URL_SIGNATURE_INVALID" })
		);
	});

	it("rejects a signature made with another secret", () => {
		const forged = signObjectUrl(request, "another-secret-that-is-also-long-enough");
		expect(() => verifyObjectUrlSignature({ ...request, signature: forged }, URL_SIGNING_SECRET, beforeExpiryMs)).toThrow(
			expect.objectContaining({ type: "ERR_OBJECT_URL_SIGNATURE_INVALID" })
		);
	});
});

describe("object storage configuration", () => {
	it("lists every invalid setting in one error", () => {
		expect(() =>
			createObjectStorage({ backend: "s3", endpointUrl: "ftp://x", accessKey: "", secretKey: "k", bucket: "Bad_Bucket" })
		).toThrow(/endpointUrl[\s\S]*accessKey[\s\S]*bucket/);
	});
});
