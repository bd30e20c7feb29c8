import { Client } from "minio";
import { Readable } from "node:stream";
import { InvalidObjectKeyError, ObjectNotFoundError } from "./errors";
import type { ListedObject, ObjectInfo, ObjectStorage, PutObjectOptions, S3StorageConfig } from "./index";
import { assertValidObjectKey, assertValidObjectPrefix } from "./object-key";
import { assertValidUrlExpiry } from "./signed-url";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
// S3 DeleteObjects accepts at most 1,000 keys per request.
const DELETE_BATCH_SIZE = 1000;

/**
 * Our keys are fresh UUID paths, so there is never an earlier incomplete multipart upload to resume.
 * Skipping that lookup saves a request per upload and works with servers that lack ListMultipartUploads (s3rver).
 */
class FreshKeyMinioClient extends Client {
	override async findUploadId(): Promise<undefined> {
		return undefined;
	}
}

function isNotFoundError(error: unknown): boolean {
	const code = (error as { code?: string }).code;
	return code === "NoSuchKey" || code === "NotFound";
}

/** Any S3 API (MinIO in production) through the `minio` client. */
export class S3ObjectStorage implements ObjectStorage {
	private readonly client: Client;

	constructor(private readonly config: S3StorageConfig) {
		const endpoint = new URL(config.endpointUrl);
		const useSSL = endpoint.protocol === "https:";
		this.client = new FreshKeyMinioClient({
			endPoint: endpoint.hostname,
			port: endpoint.port ? Number(endpoint.port) : useSSL ? 443 : 80,
			useSSL,
			region: config.region,
			accessKey: config.accessKey,
			secretKey: config.secretKey,
			pathStyle: config.pathStyle,
			partSize: config.partSizeBytes
		});
	}

	async ensureBucket(): Promise<void> {
		if (await this.client.bucketExists(this.config.bucket)) return;
		try {
			await this.client.makeBucket(this.config.bucket, this.config.region);
		} catch (error) {
			// Another node created it between our check and our request.
			if ((error as { code?: string }).code !== "BucketAlreadyOwnedByYou") throw error;
		}
	}

	async put(key: string, body: Buffer | Readable, options: PutObjectOptions = {}): Promise<void> {
		assertValidObjectKey(key);
		const metadata = { "Content-Type": options.contentType ?? DEFAULT_CONTENT_TYPE };
		if (Buffer.isBuffer(body)) {
			await this.client.putObject(this.config.bucket, key, body, body.length, metadata);
			return;
		}
		// minio pipes the body without listening for its errors, so a failing source would leave the upload hanging.
		const sourceFailed = new Promise<never>((_resolve, reject) => body.once("error", reject));
		await Promise.race([this.client.putObject(this.config.bucket, key, body, options.sizeBytes, metadata), sourceFailed]);
	}

	async get(key: string): Promise<Readable> {
		assertValidObjectKey(key);
		try {
			return await this.client.getObject(this.config.bucket, key);
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

	async presignedPutUrl(key: string, expirySeconds = this.config.presignedUrlExpirySeconds): Promise<string> {
		assertValidObjectKey(key);
		assertValidUrlExpiry(expirySeconds);
		return this.client.presignedPutObject(this.config.bucket, key, expirySeconds);
	}
}
