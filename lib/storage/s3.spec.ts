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
