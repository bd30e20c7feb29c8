import { readFileSync } from "node:fs";
import path from "node:path";
import type { Client, LifecycleConfig } from "minio";
import { loadConfig } from "../broker.config";
import { s3ClientFor } from "../lib/storage/s3";

/**
 * Applies the bucket lifecycle (ILM) rules of config/ilm/etude-lifecycle.json to S3_BUCKET at
 * S3_ENDPOINT (the same variables as the nodes) and prints the rules the server then reports:
 *   - objects over 256 KiB (video segments, audio, sources; thumbnails and playlists stay hot)
 *     move to the cold tier after 90 days;
 *   - multipart uploads left unfinished (an abandoned tus upload) are aborted after 7 days;
 *   - delete markers and old versions (a versioned bucket) are purged after a day.
 * ILM_COLD_TIER names the MinIO tier (`mc ilm tier add`), ETUDE-COLD by default. MinIO reads a
 * transitioned object back from its tier on GET, so playback (plain and presigned GETs) is
 * unchanged as long as the tier serves reads directly (not an archive class that needs a restore).
 *
 *   npm run ilm:apply                       # apply and print
 *   npm run ilm:apply -- --mc-json          # print the rules for `mc ilm import ALIAS/BUCKET`
 */
export const LIFECYCLE_FILE = path.resolve(import.meta.dirname, "../config/ilm/etude-lifecycle.json");

export function lifecycleRules(coldTier: string): LifecycleConfig {
	const rules = JSON.parse(readFileSync(LIFECYCLE_FILE, "utf8")) as LifecycleConfig;
	for (const rule of rules.Rule) if (rule.Transition) rule.Transition.StorageClass = coldTier;
	return rules;
}

/** The same rules in the JSON `mc ilm export` writes and `mc ilm import` reads. */
export function asMcImportJson(rules: LifecycleConfig): string {
	return JSON.stringify({ Rules: rules.Rule }, null, 2);
}

export async function applyLifecycle(client: Client, bucket: string, rules: LifecycleConfig): Promise<LifecycleConfig | null> {
	await client.setBucketLifecycle(bucket, rules);
	return client.getBucketLifecycle(bucket);
}

async function main(): Promise<void> {
	const rules = lifecycleRules(process.env.ILM_COLD_TIER?.trim() || "ETUDE-COLD");
	if (process.argv.includes("--mc-json")) {
		console.log(asMcImportJson(rules));
		return;
	}
	const { s3 } = loadConfig();
	if (!s3) throw new Error("S3_ENDPOINT is not set: lifecycle rules apply to an S3 bucket");
	console.log(JSON.stringify(await applyLifecycle(s3ClientFor(s3), s3.bucket, rules), null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
	main().catch((error: unknown) => {
		console.error("Applying the lifecycle rules failed:", error);
		process.exit(1);
	});
}
