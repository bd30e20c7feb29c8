import { randomUUID } from "node:crypto";
import { InvalidObjectKeyError } from "./errors";

const MAX_KEY_BYTES = 1024;
// Every segment starts with a letter or digit, so "." and ".." (and hidden files) can never appear.
const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws InvalidObjectKeyError unless `key` is a relative path of safe segments, e.g. "recordings/<uuid>/source.mp4". */
export function assertValidObjectKey(key: string): void {
	if (key.length === 0) throw new InvalidObjectKeyError(key, "it is empty");
	if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new InvalidObjectKeyError(key, `it is longer than ${MAX_KEY_BYTES} bytes`);
	for (const segment of key.split("/")) {
		if (!KEY_SEGMENT.test(segment)) {
			throw new InvalidObjectKeyError(
				key,
				"each path segment must start with a letter or digit and contain only letters, digits, '.', '_' and '-'"
			);
		}
	}
}

/** A listing prefix is a key, a key with a trailing "/", or "" (everything). */
export function assertValidObjectPrefix(prefix: string): void {
	if (prefix === "") return;
	assertValidObjectKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

/** A fresh random folder under `prefix`, e.g. "recordings/1b9d…/", so all objects derived from one upload share it. */
export function newObjectPrefix(prefix: string): string {
	const objectPrefix = `${prefix}/${randomUUID()}/`;
	assertValidObjectPrefix(objectPrefix);
	return objectPrefix;
}

/**
 * A fresh key `prefix/<uuid>/filename`. `filename` is a name our code chooses ("source.mp4",
 * "hls/index.m3u8"), never the name a user uploaded.
 */
export function newObjectKey(prefix: string, filename: string): string {
	const key = newObjectPrefix(prefix) + filename;
	assertValidObjectKey(key);
	return key;
}
