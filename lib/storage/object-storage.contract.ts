import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newObjectKey, newObjectPrefix, type ObjectStorage } from "./index";

export interface ContractBackend {
	storage: ObjectStorage;
	teardown(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

async function listKeys(storage: ObjectStorage, prefix: string): Promise<string[]> {
	const keys: string[] = [];
	for await (const object of storage.list(prefix)) keys.push(object.key);
	return keys.sort();
}

/** A stream of `sizeBytes` deterministic bytes in 1 MiB chunks, so large puts never hold the whole body. */
function patternStream(sizeBytes: number): { stream: Readable; sha256: string } {
	const chunkBytes = 1024 * 1024;
	const hash = createHash("sha256");
	const chunks: Buffer[] = [];
	for (let offset = 0; offset < sizeBytes; offset += chunkBytes) {
		const chunk = Buffer.alloc(Math.min(chunkBytes, sizeBytes - offset), offset / chunkBytes);
		hash.update(chunk);
		chunks.push(chunk);
	}
	return { stream: Readable.from(chunks), sha256: hash.digest("hex") };
}

/** The behaviour every ObjectStorage backend must share; each backend's spec runs it against a real server or disk. */
export function describeObjectStorageContract(backendName: string, startBackend: () => Promise<ContractBackend>): void {
	describe(`${backendName} object storage`, () => {
		let backend: ContractBackend;
		let storage: ObjectStorage;

		beforeAll(async () => {
			backend = await startBackend();
			storage = backend.storage;
			await storage.ensureBucket();
		});
		afterAll(async () => backend?.teardown());

		it("can ensure the bucket again without error", async () => {
			await expect(storage.ensureBucket()).resolves.toBeUndefined();
		});

		it("returns the bytes and content type that were put", async () => {
			const key = newObjectKey("contract", "note.txt");
			await storage.put(key, Buffer.from("scales in G major"), { contentType: "text/plain" });

			expect((await readAll(await storage.get(key))).toString()).toBe("scales in G major");
			expect(await storage.stat(key)).toMatchObject({ key, sizeBytes: 17, contentType: "text/plain" });
		});

		it("returns a range of an object's bytes", async () => {
			const key = newObjectKey("contract", "range.txt");
			await storage.put(key, Buffer.from("0123456789"));
			expect((await readAll(await storage.getRange(key, 2, 5))).toString()).toBe("2345");
			expect((await readAll(await storage.getRange(key, 9, 9))).toString()).toBe("9");
			await expect(storage.getRange(newObjectKey("contract", "missing.bin"), 0, 1)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND" });
		});

		it("stores a stream larger than one multipart part intact", async () => {
			const key = newObjectKey("contract", "large.bin");
			const { stream, sha256 } = patternStream(12 * 1024 * 1024 + 123);
			await storage.put(key, stream, { contentType: "video/mp4" });

			const stored = await readAll(await storage.get(key));
			expect(stored.length).toBe(12 * 1024 * 1024 + 123);
			expect(createHash("sha256").update(stored).digest("hex")).toBe(sha256);
			expect((await storage.stat(key)).contentType).toBe("video/mp4");
		});

		it("stores a local file's bytes and content type", async () => {
			const key = newObjectKey("contract", "from-file.bin");
			const directory = await mkdtemp(path.join(os.tmpdir(), "etude-contract-"));
			try {
				const { stream, sha256 } = patternStream(9 * 1024 * 1024 + 7);
				const file = path.join(directory, "take.bin");
				await pipeline(stream, createWriteStream(file));
				await storage.putFile(key, file, { contentType: "video/mp2t" });
				expect(createHash("sha256").update(await readAll(await storage.get(key))).digest("hex")).toBe(sha256);
				expect(await storage.stat(key)).toMatchObject({ sizeBytes: 9 * 1024 * 1024 + 7, contentType: "video/mp2t" });
				await expect(storage.putFile(newObjectKey("contract", "nothing.bin"), path.join(directory, "missing.bin"))).rejects.toThrow();
			} finally {
				await rm(directory, { recursive: true, force: true });
			}
		});

		it("stores an empty stream as an empty object", async () => {
			const key = newObjectKey("contract", "empty.bin");
			await storage.put(key, Readable.from([]));
			expect((await storage.stat(key)).sizeBytes).toBe(0);
		});

		it("stores a stream of exactly two parts intact", async () => {
			const key = newObjectKey("contract", "two-parts.bin");
			const { stream, sha256 } = patternStream(10 * 1024 * 1024);
			await storage.put(key, stream);
			expect(createHash("sha256").update(await readAll(await storage.get(key))).digest("hex")).toBe(sha256);
		});

		it("replaces an object that is put again under the same key", async () => {
			const key = newObjectKey("contract", "replaced.txt");
			await storage.put(key, Buffer.from("first take"));
			await storage.put(key, Buffer.from("second"));

			expect((await readAll(await storage.get(key))).toString()).toBe("second");
			expect((await storage.stat(key)).sizeBytes).toBe(6);
		});

		it("defaults the content type to application/octet-stream", async () => {
			const key = newObjectKey("contract", "blob");
			await storage.put(key, Buffer.from([1, 2, 3]));
			expect((await storage.stat(key)).contentType).toBe("application/octet-stream");
		});

		it("rejects get and stat of a missing object with ERR_OBJECT_NOT_FOUND", async () => {
			const key = newObjectKey("contract", "missing.bin");
			await expect(storage.get(key)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND", code: 404 });
			await expect(storage.stat(key)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND", code: 404 });
		});

		it("deletes an object, and deleting it again is not an error", async () => {
			const key = newObjectKey("contract", "deleted.txt");
			await storage.put(key, Buffer.from("gone soon"));
			await storage.delete(key);

			await expect(storage.stat(key)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND" });
			await expect(storage.delete(key)).resolves.toBeUndefined();
		});

		it("lists the objects under a prefix at any depth and nothing else", async () => {
			const uploadPrefix = newObjectPrefix("listing");
			const keys = [`${uploadPrefix}source.mp4`, `${uploadPrefix}hls/index.m3u8`, `${uploadPrefix}hls/segment-000.ts`];
			for (const key of keys) await storage.put(key, Buffer.from(key));
			const neighbour = newObjectKey("listing", "source.mp4");
			await storage.put(neighbour, Buffer.from("another upload"));

			expect(await listKeys(storage, uploadPrefix)).toEqual([...keys].sort());
			expect(await listKeys(storage, `${uploadPrefix}hls/`)).toEqual(keys.slice(1).sort());
			expect(await listKeys(storage, `${uploadPrefix}hls/seg`)).toEqual([`${uploadPrefix}hls/segment-000.ts`]);
			const listed = [];
			for await (const object of storage.list(`${uploadPrefix}source`)) listed.push(object);
			expect(listed).toMatchObject([{ key: `${uploadPrefix}source.mp4`, sizeBytes: keys[0]!.length }]);
			expect(listed[0]!.lastModified).toBeInstanceOf(Date);
		});

		it("deletes everything under a prefix, counts it, and keeps other objects", async () => {
			const uploadPrefix = newObjectPrefix("purge");
			for (const name of ["source.mp4", "audio.wav", "hls/index.m3u8"]) {
				await storage.put(`${uploadPrefix}${name}`, Buffer.from(name));
			}
			const survivor = newObjectKey("purge", "source.mp4");
			await storage.put(survivor, Buffer.from("keep me"));

			expect(await storage.deletePrefix(uploadPrefix)).toBe(3);
			expect(await listKeys(storage, uploadPrefix)).toEqual([]);
			expect((await storage.stat(survivor)).sizeBytes).toBe(7);
		});

		it("refuses to delete with an empty prefix", async () => {
			await expect(storage.deletePrefix("")).rejects.toMatchObject({ type: "ERR_INVALID_OBJECT_KEY", code: 400 });
		});

		it.each(["../escape.txt", "/etc/passwd", "a/../../b", "a//b", "", "a/./b", ".hidden", "a/b/", "spaced name"])(
			"rejects the unsafe key %j with ERR_INVALID_OBJECT_KEY",
			async (key) => {
				await expect(storage.put(key, Buffer.from("x"))).rejects.toMatchObject({ type: "ERR_INVALID_OBJECT_KEY" });
				await expect(storage.get(key)).rejects.toMatchObject({ type: "ERR_INVALID_OBJECT_KEY" });
				await expect(storage.presignedGetUrl(key)).rejects.toMatchObject({ type: "ERR_INVALID_OBJECT_KEY" });
			}
		);

		it.each([
			["before the first part is full", 64 * 1024],
			["after several multipart parts", 11 * 1024 * 1024]
		])("rejects a put whose source stream fails %s, leaving no object", async (_when, bytesBeforeFailure) => {
			const key = newObjectKey("contract", "broken-upload.mp4");
			const { stream: goodStart } = patternStream(bytesBeforeFailure);
			const failingSource = Readable.from(
				(async function* () {
					yield* goodStart;
					throw new Error("connection dropped");
				})()
			);

			await expect(storage.put(key, failingSource)).rejects.toThrow("connection dropped");
			await expect(storage.stat(key)).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND" });
		});

		it("accepts a presigned PUT and serves the object through a presigned GET over HTTP", async () => {
			const key = newObjectKey("presigned", "recording.mp4");
			const putResponse = await fetch(await storage.presignedPutUrl(key, 60), {
				method: "PUT",
				body: "fake video bytes",
				headers: { "Content-Type": "video/mp4" }
			});
			expect(putResponse.status).toBe(200);

			const getResponse = await fetch(await storage.presignedGetUrl(key, 60));
			expect(getResponse.status).toBe(200);
			expect(await getResponse.text()).toBe("fake video bytes");
			expect((await storage.stat(key)).sizeBytes).toBe(16);
		});

		it("locates an object where it lies, for a reader that opens it and reads any range of it", async () => {
			const key = newObjectKey("located", "recording.mp4");
			await storage.put(key, Buffer.from("0123456789"), { contentType: "video/mp4" });
			const { location, sizeBytes } = await storage.locate(key, 60);
			expect(sizeBytes).toBe(10);
			if (/^https?:/.test(location)) {
				const response = await fetch(location, { headers: { Range: "bytes=3-6" } });
				expect(response.status).toBe(206);
				expect(await response.text()).toBe("3456");
			} else {
				expect((await readFile(location)).subarray(3, 7).toString()).toBe("3456");
			}
			await expect(storage.locate(newObjectKey("located", "missing.mp4"))).rejects.toMatchObject({ type: "ERR_OBJECT_NOT_FOUND" });
		});

		it.each([0, -5, 1.5, 8 * 24 * 60 * 60])("rejects a presigned URL expiry of %s seconds", async (expirySeconds) => {
			const key = newObjectKey("presigned", "any.txt");
			await expect(storage.presignedGetUrl(key, expirySeconds)).rejects.toMatchObject({ type: "ERR_INVALID_URL_EXPIRY" });
			await expect(storage.presignedPutUrl(key, expirySeconds)).rejects.toMatchObject({ type: "ERR_INVALID_URL_EXPIRY" });
		});
	});
}
