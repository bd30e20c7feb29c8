import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStorage } from "../../lib/storage";
import { s3ClientFor } from "../../lib/storage/s3";
import { applyLifecycle, asMcImportJson, lifecycleRules } from "../../scripts/ilm-apply";
import { startS3Server, type RunningS3Server } from "../support/s3-server";

/**
 * The shipped lifecycle (ILM) rules, applied through the S3 API the way `npm run ilm:apply`
 * does and read back from the server. s3rver keeps the configuration but has no tiers, so the
 * transition itself (MinIO's job) is not exercised here: see docs/deploy.md, "Lifecycle".
 */
let s3: RunningS3Server;
const bucket = "etude-ilm";

beforeAll(async () => {
	s3 = await startS3Server();
	await createObjectStorage({ backend: "s3", endpointUrl: s3.endpointUrl, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket }).ensureBucket();
});
afterAll(() => s3?.stop());

describe("bucket lifecycle rules", () => {
	it("moves large objects to the named cold tier after 90 days, aborts stale multipart uploads after 7 days and purges deleted versions", async () => {
		const client = s3ClientFor({ ...s3, pathStyle: true });
		const applied = await applyLifecycle(client, bucket, lifecycleRules("SCHOOL-NAS"));
		const rules = Object.fromEntries([applied!.Rule].flat().map((rule: any) => [rule.ID, rule]));
		expect(Object.keys(rules).sort()).toEqual(["abort-incomplete-multipart-uploads-after-7-days", "purge-deleted-objects", "recordings-to-cold-tier-after-90-days"]);
		expect(rules["recordings-to-cold-tier-after-90-days"]).toMatchObject({
			Status: "Enabled",
			Filter: { ObjectSizeGreaterThan: 262144 },
			Transition: { Days: 90, StorageClass: "SCHOOL-NAS" }
		});
		expect(rules["abort-incomplete-multipart-uploads-after-7-days"].AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 7 });
		expect(rules["purge-deleted-objects"]).toMatchObject({ Expiration: { ExpiredObjectDeleteMarker: true }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
	});

	it("prints the same rules for mc ilm import", () => {
		const imported = JSON.parse(asMcImportJson(lifecycleRules("ETUDE-COLD")));
		expect(imported.Rules).toHaveLength(3);
		expect(imported.Rules[0].Transition).toEqual({ Days: 90, StorageClass: "ETUDE-COLD" });
	});
});
