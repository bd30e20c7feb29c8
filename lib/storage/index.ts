import type { Readable } from "node:stream";
import { z } from "zod";
import { LocalDiskObjectStorage } from "./local-disk";
import { S3ObjectStorage } from "./s3";
import { MAX_URL_EXPIRY_SECONDS } from "./signed-url";

export interface PutObjectOptions {
	contentType?: string;
}

export interface ObjectInfo {
	key: string;
	sizeBytes: number;
	contentType: string;
	lastModified: Date;
}

export type ListedObject = Omit<ObjectInfo, "contentType">;

/** Where a program that opens files or URLs itself (ffmpeg) reads an object without a copy being made first. */
export interface ObjectLocation {
	/** A local file path, or an http(s) URL that answers range requests. */
	location: string;
	sizeBytes: number;
}

/**
 * Where media lives: S3 (MinIO) when distributed, a folder on local disk in the embedded default.
 * Keys are validated by assertValidObjectKey and come from newObjectKey, never from user input.
 */
export interface ObjectStorage {
	/** Creates the bucket (or root folder) if it does not exist yet; safe to call on every start. */
	ensureBucket(): Promise<void>;
	/**
	 * Stores the whole body under `key`, replacing any object there; readers never see a partial object.
	 * Streams are read one part at a time (S3 multipart beyond one part), so memory does not grow with size.
	 */
	put(key: string, body: Buffer | Readable, options?: PutObjectOptions): Promise<void>;
	/**
	 * Stores a local file's bytes under `key`, like `put`. The local disk copies it in the file
	 * system without passing the bytes through JavaScript, so a busy event loop does not slow it.
	 */
	putFile(key: string, filePath: string, options?: PutObjectOptions): Promise<void>;
	/** Rejects with ObjectNotFoundError (ERR_OBJECT_NOT_FOUND) when there is no such object. */
	get(key: string): Promise<Readable>;
	/** Bytes `start` to `end` (both included) of the object; the range must lie within it. */
	getRange(key: string, start: number, end: number): Promise<Readable>;
	stat(key: string): Promise<ObjectInfo>;
	/** Deleting a missing object is not an error. */
	delete(key: string): Promise<void>;
	/** Deletes every object whose key starts with `prefix` (which must not be empty); returns how many. */
	deletePrefix(prefix: string): Promise<number>;
	/** Objects whose key starts with `prefix`, at any depth; order is unspecified. */
	list(prefix: string): AsyncIterable<ListedObject>;
	presignedGetUrl(key: string, expirySeconds?: number): Promise<string>;
	/**
	 * The object where it lies: its own file on local disk, a presigned GET URL valid `expirySeconds`
	 * on S3. Rejects with ObjectNotFoundError when there is no such object.
	 */
	locate(key: string, expirySeconds?: number): Promise<ObjectLocation>;
	presignedPutUrl(key: string, expirySeconds?: number): Promise<string>;
}

const presignedUrlExpirySeconds = z.number().int().min(1).max(MAX_URL_EXPIRY_SECONDS).default(15 * 60);

const localDiskConfigSchema = z.object({
	backend: z.literal("local-disk"),
	rootDir: z.string().min(1),
	/** Where the gateway serves signed object URLs, e.g. "http://localhost:3000/objects". */
	publicBaseUrl: z.url(),
	urlSigningSecret: z.string().min(32, "urlSigningSecret must be at least 32 characters"),
	presignedUrlExpirySeconds
});

const S3_MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;

const s3ConfigSchema = z.object({
	backend: z.literal("s3"),
	endpointUrl: z.url({ protocol: /^https?$/ }),
	region: z.string().min(1).default("us-east-1"),
	accessKey: z.string().min(1),
	secretKey: z.string().min(1),
	bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "bucket must be a valid S3 bucket name"),
	/** MinIO and most self-hosted S3 servers want path-style URLs. */
	pathStyle: z.boolean().default(true),
	/** Up to two parts are held per streaming upload; 16 MiB × 10,000 parts allows objects up to 156 GiB. */
	partSizeBytes: z.number().int().min(S3_MIN_PART_SIZE_BYTES).default(16 * 1024 * 1024),
	presignedUrlExpirySeconds
});

const objectStorageConfigSchema = z.discriminatedUnion("backend", [localDiskConfigSchema, s3ConfigSchema]);

export type LocalDiskStorageConfig = z.output<typeof localDiskConfigSchema>;
export type S3StorageConfig = z.output<typeof s3ConfigSchema>;
export type ObjectStorageConfig = z.input<typeof objectStorageConfigSchema>;

/** Validates `config` (throwing one message listing every problem) and builds the backend it names. */
export function createObjectStorage(config: ObjectStorageConfig): ObjectStorage {
	const parsed = objectStorageConfigSchema.safeParse(config);
	if (!parsed.success) throw new Error(`Invalid object storage configuration:\n${z.prettifyError(parsed.error)}`);
	return parsed.data.backend === "s3" ? new S3ObjectStorage(parsed.data) : new LocalDiskObjectStorage(parsed.data);
}

export * from "./errors";
export { assertValidObjectKey, assertValidObjectPrefix, newObjectKey, newObjectPrefix } from "./object-key";
export {
	buildSignedObjectUrl,
	signObjectUrl,
	verifyObjectUrlSignature,
	type SignedObjectRequest,
	type SignedUrlMethod
} from "./signed-url";
export { createSignedObjectRequestHandler, SIGNED_OBJECT_METHODS, type SignedObjectRequestHandlerOptions } from "./signed-url-handler";
export { LocalDiskObjectStorage } from "./local-disk";
export { S3ObjectStorage } from "./s3";
