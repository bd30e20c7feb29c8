import { describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import { objectStorageConfig, objectUrlSigningSecret } from "../../mixins/storage.mixin";

const secret = "x".repeat(40);

describe("object storage configuration", () => {
	it("keeps objects on local disk with signed URLs served by the api node by default", () => {
		const config = { ...loadConfig({ DATA_DIR: "/var/etude", PORT: "3000" }), jwtSecret: secret };
		expect(objectStorageConfig(config)).toEqual({
			backend: "local-disk",
			rootDir: "/var/etude/objects",
			publicBaseUrl: "http://127.0.0.1:3000/objects",
			urlSigningSecret: objectUrlSigningSecret(config)
		});
		expect(objectUrlSigningSecret(config)).not.toContain(secret);
	});

	it("uses the S3 endpoint when one is configured", () => {
		const config = {
			...loadConfig({ S3_ENDPOINT: "http://minio:9000", S3_ACCESS_KEY: "k", S3_SECRET_KEY: "s", S3_BUCKET: "school" }),
			jwtSecret: secret
		};
		expect(objectStorageConfig(config)).toMatchObject({ backend: "s3", endpointUrl: "http://minio:9000", bucket: "school", pathStyle: true });
	});

	it("refuses an S3 endpoint without credentials", () => {
		expect(() => loadConfig({ S3_ENDPOINT: "http://minio:9000" })).toThrow(/S3_ACCESS_KEY and S3_SECRET_KEY are required/);
	});
});
