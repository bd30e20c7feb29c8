import { describe, expect, it } from "vitest";
import { startS3Server } from "../../test/support/s3-server";
import { createObjectStorage } from "./index";
import { describeObjectStorageContract } from "./object-storage.contract";

describeObjectStorageContract("S3 (s3rver)", async () => {
	const s3Server = await startS3Server();
	const storage = createObjectStorage({
		backend: "s3",
		endpointUrl: s3Server.endpointUrl,
		region: s3Server.region,
		accessKey: s3Server.accessKey,
		secretKey: s3Server.secretKey,
		bucket: "etude-contract",
		partSizeBytes: 5 * 1024 * 1024
	});
	return { storage, teardown: () => s3Server.stop() };
});

describe("S3 bucket creation", () => {
	it("succeeds for every service of a node ensuring the same new bucket at once", async () => {
		const s3Server = await startS3Server();
		try {
			const storages = Array.from({ length: 4 }, () =>
				createObjectStorage({
					backend: "s3",
					endpointUrl: s3Server.endpointUrl,
					region: s3Server.region,
					accessKey: s3Server.accessKey,
					secretKey: s3Server.secretKey,
					bucket: "etude-created-together",
					partSizeBytes: 5 * 1024 * 1024
				})
			);
			const outcomes = await Promise.allSettled(storages.map((storage) => storage.ensureBucket()));
			expect(outcomes.map((outcome) => (outcome.status === "rejected" ? String(outcome.reason) : "ensured"))).toEqual(storages.map(() => "ensured"));
		} finally {
			await s3Server.stop();
		}
	});
});
