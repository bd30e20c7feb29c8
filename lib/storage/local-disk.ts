import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { InvalidObjectKeyError, ObjectNotFoundError } from "./errors";
import type { ListedObject, LocalDiskStorageConfig, ObjectInfo, ObjectLocation, ObjectStorage, PutObjectOptions } from "./index";
import { assertValidObjectKey, assertValidObjectPrefix } from "./object-key";
import { assertValidUrlExpiry, buildSignedObjectUrl, type SignedUrlMethod } from "./signed-url";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
// Valid keys never start a segment with ".", so these folders can never collide with an object.
const METADATA_DIR = ".metadata";
const TEMP_DIR = ".tmp";

interface StoredMetadata {
	contentType: string;
}

function isMissingFileError(error: unknown): boolean {
	return (error as NodeJS.ErrnoException).code === "ENOENT";
}

/** Without fsync before the rename, a crash could leave a complete-looking name over an empty file. */
async function flushToDisk(filePath: string): Promise<void> {
	const file = await open(filePath, "r+");
	try {
		await file.sync();
	} finally {
		await file.close();
	}
}

/**
 * Objects as files under `rootDir`, content types in a sidecar JSON under `rootDir/.metadata`.
 * Like a bucket, the root must exist (ensureBucket) before the first put.
 */
export class LocalDiskObjectStorage implements ObjectStorage {
	private readonly rootDir: string;

	constructor(private readonly config: LocalDiskStorageConfig) {
		this.rootDir = path.resolve(config.rootDir);
	}

	async ensureBucket(): Promise<void> {
		await mkdir(path.join(this.rootDir, TEMP_DIR), { recursive: true });
		await mkdir(path.join(this.rootDir, METADATA_DIR), { recursive: true });
	}

	async put(key: string, body: Buffer | Readable, options: PutObjectOptions = {}): Promise<void> {
		// The pipeline must own the body before the first await, or an early body error would go unhandled.
		await this.store(key, options, (tempPath) => pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(tempPath)));
	}

	async putFile(key: string, filePath: string, options: PutObjectOptions = {}): Promise<void> {
		await this.store(key, options, (tempPath) => copyFile(filePath, tempPath));
	}

	/** Writes the bytes to a temporary file (`write`), makes them durable, then puts them in place at once. */
	private async store(key: string, options: PutObjectOptions, write: (tempPath: string) => Promise<void>): Promise<void> {
		const objectPath = this.objectPath(key);
		const metadataPath = this.metadataPath(key);
		const tempPath = path.join(this.rootDir, TEMP_DIR, randomUUID());
		const metadata: StoredMetadata = { contentType: options.contentType ?? DEFAULT_CONTENT_TYPE };
		try {
			await write(tempPath);
			await flushToDisk(tempPath);
			await mkdir(path.dirname(metadataPath), { recursive: true });
			await writeFile(metadataPath, JSON.stringify(metadata));
			await mkdir(path.dirname(objectPath), { recursive: true });
			// rename is atomic within one file system, so a reader sees the old object or the new one, never half.
			await rename(tempPath, objectPath);
		} finally {
			await rm(tempPath, { force: true });
		}
	}

	async get(key: string): Promise<Readable> {
		return this.read(key);
	}

	async getRange(key: string, start: number, end: number): Promise<Readable> {
		return this.read(key, { start, end });
	}

	private async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
		try {
			const handle = await open(this.objectPath(key), "r");
			return handle.createReadStream(range);
		} catch (error) {
			throw isMissingFileError(error) ? new ObjectNotFoundError(key) : error;
		}
	}

	async stat(key: string): Promise<ObjectInfo> {
		try {
			const fileStat = await stat(this.objectPath(key));
			return {
				key,
				sizeBytes: fileStat.size,
				contentType: await this.readContentType(key),
				lastModified: fileStat.mtime
			};
		} catch (error) {
			throw isMissingFileError(error) ? new ObjectNotFoundError(key) : error;
		}
	}

	async delete(key: string): Promise<void> {
		await rm(this.objectPath(key), { force: true });
		await rm(this.metadataPath(key), { force: true });
	}

	async deletePrefix(prefix: string): Promise<number> {
		if (prefix === "") throw new InvalidObjectKeyError(prefix, "deleting every object at once is not allowed");
		let deletedCount = 0;
		for await (const object of this.list(prefix)) {
			await this.delete(object.key);
			deletedCount++;
		}
		await this.removeEmptyFolders(path.join(this.rootDir, this.folderOf(prefix)));
		await this.removeEmptyFolders(path.join(this.rootDir, METADATA_DIR, this.folderOf(prefix)));
		return deletedCount;
	}

	async *list(prefix: string): AsyncIterable<ListedObject> {
		assertValidObjectPrefix(prefix);
		const folder = this.folderOf(prefix);
		for await (const key of this.walkKeys(folder)) {
			if (!key.startsWith(prefix)) continue;
			try {
				const fileStat = await stat(this.objectPath(key));
				yield { key, sizeBytes: fileStat.size, lastModified: fileStat.mtime };
			} catch (error) {
				// Deleted while we were listing: it is simply no longer there.
				if (!isMissingFileError(error)) throw error;
			}
		}
	}

	async presignedGetUrl(key: string, expirySeconds?: number): Promise<string> {
		return this.signedUrl("GET", key, expirySeconds);
	}

	async locate(key: string): Promise<ObjectLocation> {
		const { sizeBytes } = await this.stat(key);
		return { location: this.objectPath(key), sizeBytes };
	}

	async presignedPutUrl(key: string, expirySeconds?: number): Promise<string> {
		return this.signedUrl("PUT", key, expirySeconds);
	}

	private signedUrl(method: SignedUrlMethod, key: string, expirySeconds = this.config.presignedUrlExpirySeconds): string {
		assertValidObjectKey(key);
		assertValidUrlExpiry(expirySeconds);
		const expiresAtEpochSeconds = Math.floor(Date.now() / 1000) + expirySeconds;
		return buildSignedObjectUrl(this.config.publicBaseUrl, { method, key, expiresAtEpochSeconds }, this.config.urlSigningSecret);
	}

	/** Resolves a key inside the root; validation already forbids escapes, the containment check is defence in depth. */
	private objectPath(key: string): string {
		assertValidObjectKey(key);
		const objectPath = path.resolve(this.rootDir, key);
		if (!objectPath.startsWith(this.rootDir + path.sep)) throw new InvalidObjectKeyError(key, "it leaves the storage root");
		return objectPath;
	}

	private metadataPath(key: string): string {
		return path.join(this.rootDir, METADATA_DIR, `${path.relative(this.rootDir, this.objectPath(key))}.json`);
	}

	private async readContentType(key: string): Promise<string> {
		try {
			const metadata = JSON.parse(await readFile(this.metadataPath(key), "utf8")) as StoredMetadata;
			return metadata.contentType;
		} catch (error) {
			if (isMissingFileError(error)) return DEFAULT_CONTENT_TYPE;
			throw error;
		}
	}

	/** The folder part of a prefix: "a/b/c" and "a/b/" both list under "a/b". */
	private folderOf(prefix: string): string {
		return prefix.slice(0, prefix.lastIndexOf("/") + 1);
	}

	private async *walkKeys(folder: string): AsyncGenerator<string> {
		let entries;
		try {
			entries = await readdir(path.join(this.rootDir, folder), { withFileTypes: true });
		} catch (error) {
			if (isMissingFileError(error)) return;
			throw error;
		}
		for (const entry of entries) {
			if (entry.name.startsWith(".")) continue;
			const key = `${folder}${entry.name}`;
			if (entry.isDirectory()) yield* this.walkKeys(`${key}/`);
			else if (entry.isFile()) yield key;
		}
	}

	/** Removes `folder` and its sub-folders when empty, so deleted uploads leave no directories behind. */
	private async removeEmptyFolders(folder: string): Promise<void> {
		if (folder === this.rootDir || folder === path.join(this.rootDir, METADATA_DIR)) return;
		let entries;
		try {
			entries = await readdir(folder, { withFileTypes: true });
		} catch (error) {
			if (isMissingFileError(error)) return;
			throw error;
		}
		for (const entry of entries) {
			if (entry.isDirectory()) await this.removeEmptyFolders(path.join(folder, entry.name));
		}
		try {
			await rmdir(folder);
		} catch (error) {
			// Still holds objects (or a concurrent put just created one): keep it.
			if (!["ENOTEMPTY", "EEXIST", "ENOENT"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
		}
	}
}
