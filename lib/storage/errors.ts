import { Errors } from "moleculer";

export class ObjectNotFoundError extends Errors.MoleculerClientError {
	constructor(key: string) {
		super(`No object is stored under key "${key}".`, 404, "ERR_OBJECT_NOT_FOUND", { key });
	}
}

export class InvalidObjectKeyError extends Errors.MoleculerClientError {
	constructor(key: string, reason: string) {
		super(`Object key "${key}" is not allowed: ${reason}.`, 400, "ERR_INVALID_OBJECT_KEY", { key, reason });
	}
}

export class InvalidUrlExpiryError extends Errors.MoleculerClientError {
	constructor(expirySeconds: number, maxExpirySeconds: number) {
		super(
			`A presigned URL must expire within 1 to ${maxExpirySeconds} seconds, got ${expirySeconds}.`,
			400,
			"ERR_INVALID_URL_EXPIRY",
			{ expirySeconds, maxExpirySeconds }
		);
	}
}

export class ObjectUrlExpiredError extends Errors.MoleculerClientError {
	constructor(key: string) {
		super(`The signed URL for "${key}" has expired.`, 403, "ERR_OBJECT_URL_EXPIRED", { key });
	}
}

export class ObjectUrlSignatureInvalidError extends Errors.MoleculerClientError {
	constructor(key: string) {
		super(`The signed URL for "${key}" has a missing or wrong signature.`, 403, "ERR_OBJECT_URL_SIGNATURE_INVALID", {
			key
		});
	}
}

export class ObjectTooLargeError extends Errors.MoleculerClientError {
	constructor(key: string, maxSizeBytes: number) {
		super(`The upload for "${key}" is larger than the ${maxSizeBytes} bytes allowed.`, 413, "ERR_OBJECT_TOO_LARGE", {
			key,
			maxSizeBytes
		});
	}
}
