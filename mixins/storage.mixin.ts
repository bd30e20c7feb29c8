import path from "node:path";
import type { ServiceSchema } from "moleculer";
import type { NodeConfig } from "../lib/node-config";
import { deriveSecret } from "../lib/secrets";
import { createObjectStorage, type ObjectStorageConfig } from "../lib/storage";

/** Where signed local-disk object URLs are served by the api node. */
export const OBJECT_URL_BASE_PATH = "/objects";

export function objectUrlSigningSecret(config: NodeConfig): string {
	return deriveSecret(config.jwtSecret, "object urls");
}

/** MinIO or any S3 endpoint when S3_ENDPOINT is set; otherwise a folder under DATA_DIR. */
export function objectStorageConfig(config: NodeConfig): ObjectStorageConfig {
	if (config.s3) return { backend: "s3", ...config.s3 };
	return {
		backend: "local-disk",
		rootDir: path.join(config.dataDir, "objects"),
		publicBaseUrl: `${config.publicUrl}${OBJECT_URL_BASE_PATH}`,
		urlSigningSecret: objectUrlSigningSecret(config)
	};
}

/** Gives a service `this.storage`, with its bucket ensured before the service starts. */
export function StorageMixin(config: NodeConfig): Partial<ServiceSchema> {
	return {
		created() {
			this.storage = createObjectStorage(objectStorageConfig(config));
		},
		async started() {
			await this.storage.ensureBucket();
		}
	};
}
