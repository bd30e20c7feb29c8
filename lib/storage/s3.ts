import { Client } from "minio";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { InvalidObjectKeyError, ObjectNotFoundError } from "./errors";
import type { ListedObject, ObjectInfo, ObjectLocation, ObjectStorage, PutObjectOptions, S3StorageConfig } from "./index";
import { assertValidObjectKey, assertValidObjectPrefix } from "./object-key";
import { assertValidUrlExpiry } from "./signed-url";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
// S3 DeleteObjects accepts at most 1,000 keys per request.
const DELETE_BATCH_SIZE = 1000;

/** Re-chunks a stream into parts of exactly `partSizeBytes` (the last may be shorter), holding one part at a time. */
async function* partsOf(body: Readable, partSizeBytes: number): AsyncGenerator<Buffer> {
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	for await (const chunk of body) {
		const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
		pending.push(buffer);
		pendingBytes += buffer.length;
		while (pendingBytes >= partSizeBytes) {
			const joined = Buffer.concat(pending, pendingBytes);
			yield joined.subarray(0, partSizeBytes);
			const rest = joined.subarray(partSizeBytes);
			pending = rest.length > 0 ? [rest] : [];
			pendingBytes = rest.length;
		}
	}
	if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

function isNotFoundError(error: unknown): boolean {
	const code = (error as { code?: string }).code;
	return code === "NoSuchKey" || code === "NotFound";
}

/** A `minio` client for the endpoint and keys of an S3 storage configuration. */
export function s3ClientFor(config: Pick<S3StorageConfig, "endpointUrl" | "region" | "accessKey" | "secretKey" | "pathStyle">): Client {
	const endpoint = new URL(config.endpointUrl);
	const useSSL = endpoint.protocol === "https:";
	return new Client({
		endPoint: endpoint.hostname,
		port: endpoint.port ? Number(endpoint.port) : useSSL ? 443 : 80,
		useSSL,
		region: config.region,
		accessKey: config.accessKey,
		secretKey: config.secretKey,
		pathStyle: config.pathStyle
	});
}

/** Any S3 API (MinIO in production) through the `minio` client. */
export class S3ObjectStorage implements ObjectStorage {
	private readonly client: Client;

	constructor(private readonly config: S3StorageConfig) {
		this.client = s3ClientFor(config);
	}

	async ensureBucket(): Promise<void> {
		if (await this.client.bucketExists(this.config.bucket)) return;
		try {
			await this.client.makeBucket(this.config.bucket, this.config.region);
		} catch (error) {
			// Another node, or another service of this one, created it between our check and our
			// request: MinIO says it is already ours; s3rver (and S3 for another owner) that it
			// exists, so only a bucket we can reach counts as made.
			const code = (error as { code?: string }).code;
			if (code === "BucketAlreadyOwnedByYou") return;
			if (code === "BucketAlreadyExists" && (await this.client.bucketExists(this.config.bucket))) return;
			throw error;
		}
	}

	async putFile(key: string, filePath: string, options: PutObjectOptions = {}): Promise<void> {
		await this.put(key, createReadStream(filePath), options);
	}

	async put(key: string, body: Buffer | Readable, options: PutObjectOptions = {}): Promise<void> {
		assertValidObjectKey(key);
		const headers = { "Content-Type": options.contentType ?? DEFAULT_CONTENT_TYPE };
		if (Buffer.isBuffer(body)) {
			await this.client.putObject(this.config.bucket, key, body, body.length, headers);
			return;
		}
		const parts = partsOf(body, this.config.partSizeBytes);
		const first = await parts.next();
		const second = first.done ? first : await parts.next();
		if (second.done) {
			// Fits in one part: a plain PUT is one request instead of three.
			const wholeBody = first.done ? Buffer.alloc(0) : first.value;
			await this.client.putObject(this.config.bucket, key, wholeBody, wholeBody.length, headers);
			return;
		}
		await this.putMultipart(key, headers, [first.value as Buffer, second.value], parts);
	}

	/**
	 * Our own multipart loop rather than minio's putObject for streams: that one does not listen for the
	 * body's errors (a failing upload would hang), never aborts a failed upload, and first lists incomplete
	 * uploads to resume, which our fresh keys never have (and s3rver cannot answer).
	 */
	private async putMultipart(key: string, headers: Record<string, string>, firstParts: Buffer[], moreParts: AsyncIterable<Buffer>) {
		const { bucket } = this.config;
		const uploadId = await this.client.initiateNewMultipartUpload(bucket, key, headers);
		const uploadedParts: { part: number; etag: string }[] = [];
		const uploadPart = async (part: Buffer, partNumber: number) => {
			const { etag } = await this.client.uploadPart(
				{ bucketName: bucket, objectName: key, uploadID: uploadId, partNumber, headers: { "Content-Length": part.length } },
				part
			);
			uploadedParts.push({ part: partNumber, etag });
		};
		try {
			let partNumber = 0;
			// One part uploads while the next is read from the body: two parts in memory at most.
			let uploading: Promise<void> = Promise.resolve();
			const allParts = (async function* () {
				yield* firstParts;
				yield* moreParts;
			})();
			for await (const part of allParts) {
				await uploading;
				uploading = uploadPart(part, ++partNumber);
				// Awaited on the next turn; this only keeps a failure during the next read from counting as unhandled.
				uploading.catch(() => undefined);
			}
			await uploading;
			uploadedParts.sort((a, b) => a.part - b.part);
			await this.client.completeMultipartUpload(bucket, key, uploadId, uploadedParts);
		} catch (error) {
			// Best effort: S3 servers without AbortMultipartUpload (s3rver) keep the parts until a lifecycle rule clears them.
			await this.client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
			throw error;
		}
	}

	async get(key: string): Promise<Readable> {
		return this.read(key, () => this.client.getObject(this.config.bucket, key));
	}

	async getRange(key: string, start: number, end: number): Promise<Readable> {
		return this.read(key, () => this.client.getPartialObject(this.config.bucket, key, start, end - start + 1));
	}

	private async read(key: string, request: () => Promise<Readable>): Promise<Readable> {
		assertValidObjectKey(key);
		try {
			return await request();
		} catch (error) {
			throw isNotFoundError(error) ? new ObjectNotFoundError(key) : error;
		}
	}

	async stat(key: string): Promise<ObjectInfo> {
		assertValidObjectKey(key);
		try {
			const objectStat = await this.client.statObject(this.config.bucket, key);
			const contentType = (objectStat.metaData as Record<string, string | undefined>)["content-type"];
			return {
				key,
				sizeBytes: objectStat.size,
				contentType: contentType ?? DEFAULT_CONTENT_TYPE,
				lastModified: objectStat.lastModified
			};
		} catch (error) {
			throw isNotFoundError(error) ? new ObjectNotFoundError(key) : error;
		}
	}

	async delete(key: string): Promise<void> {
		assertValidObjectKey(key);
		await this.client.removeObject(this.config.bucket, key);
	}

	async deletePrefix(prefix: string): Promise<number> {
		if (prefix === "") throw new InvalidObjectKeyError(prefix, "deleting every object at once is not allowed");
		let batch: string[] = [];
		let deletedCount = 0;
		const deleteBatch = async () => {
			const results = await this.client.removeObjects(this.config.bucket, batch);
			// DeleteObjects answers 200 even when single keys fail; those failures are listed per key.
			const failure = results.find((result) => result?.Error);
			if (failure?.Error) {
				throw new Error(`Deleting "${failure.Error.Key}" failed: ${failure.Error.Code} ${failure.Error.Message}`);
			}
			deletedCount += batch.length;
			batch = [];
		};
		for await (const object of this.list(prefix)) {
			batch.push(object.key);
			if (batch.length === DELETE_BATCH_SIZE) await deleteBatch();
		}
		if (batch.length > 0) await deleteBatch();
		return deletedCount;
	}

	async *list(prefix: string): AsyncIterable<ListedObject> {
		assertValidObjectPrefix(prefix);
		for await (const item of this.client.listObjectsV2(this.config.bucket, prefix, true)) {
			const { name, size, lastModified } = item as { name?: string; size: number; lastModified: Date };
			if (name !== undefined) yield { key: name, sizeBytes: size, lastModified };
		}
	}

	async presignedGetUrl(key: string, expirySeconds = this.config.presignedUrlExpirySeconds): Promise<string> {
		assertValidObjectKey(key);
		assertValidUrlExpiry(expirySeconds);
		return this.client.presignedGetObject(this.config.bucket, key, expirySeconds);
	}

	async locate(key: string, expirySeconds = this.config.presignedUrlExpirySeconds): Promise<ObjectLocation> {
		const { sizeBytes } = await this.stat(key);
		return { location: await this.presignedGetUrl(key, expirySeconds), sizeBytes };
	}

	async presignedPutUrl(key: string, expirySeconds = this.config.presignedUrlExpirySeconds): Promise<string> {
		assertValidObjectKey(key);
		assertValidUrlExpiry(expirySeconds);
		return this.client.presignedPutObject(this.config.bucket, key, expirySeconds);
	}
}
