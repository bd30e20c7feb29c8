import { readdir, readFile, rm, stat } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** What the S3 calls s3rver lacks need of it: its Koa middleware chain and its file store. */
interface KoaContext {
	method: string;
	path: string;
	req: NodeJS.ReadableStream;
	query: Record<string, string | string[] | undefined>;
	status: number;
	type: string;
	body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** The part of s3rver's API we use; the package ships no types. */
interface S3rverInstance {
	middleware: KoaMiddleware[];
	store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
	run(): Promise<AddressInfo>;
	close(): Promise<void>;
}
type S3rverConstructor = new (options: {
	address: string;
	port: number;
	directory: string;
	silent: boolean;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;

/** s3rver accepts any signature made with these fixed credentials. */
const S3RVER_ACCESS_KEY = "S3RVER";
const S3RVER_SECRET_KEY = "S3RVER";

export interface RunningS3Server {
	endpointUrl: string;
	accessKey: string;
	secretKey: string;
	region: string;
	stop(): Promise<void>;
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function s3Error(ctx: KoaContext, status: number, code: string, message: string): void {
	ctx.status = status;
	ctx.type = "application/xml";
	ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

/**
 * Put/Get/DeleteBucketLifecycle, which s3rver answers NotImplemented: the configuration is kept
 * as sent (per bucket, in memory) and returned as is, so a client's rules can be read back.
 * Nothing is ever transitioned or expired: s3rver has no tiers.
 */
function bucketLifecycleCalls(): KoaMiddleware {
	const configurations = new Map<string, string>();
	return async (ctx, next) => {
		const [, bucket, ...rest] = ctx.path.split("/");
		if (!("lifecycle" in ctx.query) || !bucket || rest.some(Boolean)) return next();
		if (ctx.method === "PUT") {
			const chunks: Buffer[] = [];
			for await (const chunk of ctx.req) chunks.push(Buffer.from(chunk));
			configurations.set(bucket, Buffer.concat(chunks).toString("utf8"));
			ctx.status = 200;
			ctx.body = "";
		} else if (ctx.method === "GET") {
			const configuration = configurations.get(bucket);
			if (configuration === undefined) return s3Error(ctx, 404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist");
			ctx.status = 200;
			ctx.type = "application/xml";
			ctx.body = configuration;
		} else if (ctx.method === "DELETE") {
			configurations.delete(bucket);
			ctx.status = 204;
			ctx.body = "";
		} else {
			await next();
		}
	};
}

/**
 * ListParts and AbortMultipartUpload, which s3rver 3.7 answers with NotImplemented and
 * @tus/s3-store needs to resume an upload. They read and remove the parts s3rver's own
 * UploadPart stored (`<bucket>/<uploads folder>/<uploadId>/<partNumber>` and `.md5`), and answer
 * in S3's XML. Listing is never truncated: tests upload far fewer than 1 000 parts.
 */
function multipartCallsS3rverLacks(server: S3rverInstance): KoaMiddleware {
	return async (ctx, next) => {
		const uploadId = ctx.query.uploadId;
		const [, bucket, ...keyParts] = ctx.path.split("/");
		if (typeof uploadId !== "string" || !bucket || keyParts.length === 0 || (ctx.method !== "GET" && ctx.method !== "DELETE")) return next();
		const key = decodeURIComponent(keyParts.join("/"));
		const uploadDir = path.join(server.store.getResourcePath(bucket, undefined, "uploads"), uploadId);
		const partFiles = await readdir(uploadDir).catch(() => undefined);
		if (!partFiles) return s3Error(ctx, 404, "NoSuchUpload", `The upload ${uploadId} does not exist.`);
		if (ctx.method === "DELETE") {
			await rm(uploadDir, { recursive: true, force: true });
			ctx.status = 204;
			ctx.body = "";
			return;
		}
		const partNumbers = partFiles.filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
		const parts = await Promise.all(
			partNumbers.map(async (number) => {
				const file = path.join(uploadDir, String(number));
				const [info, md5] = await Promise.all([stat(file), readFile(`${file}.md5`, "utf8")]);
				return `<Part><PartNumber>${number}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5.trim()}"</ETag><Size>${info.size}</Size></Part>`;
			})
		);
		ctx.status = 200;
		ctx.type = "application/xml";
		ctx.body =
			`<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
			`<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId>` +
			`<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${partNumbers.at(-1) ?? 0}</NextPartNumberMarker>` +
			`<MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>${parts.join("")}</ListPartsResult>`;
	};
}

/**
 * Starts an S3 API server (s3rver, plus the multipart and lifecycle calls it lacks) on a free loopback port,
 * storing objects in a fresh temp directory.
 */
export async function startS3Server(): Promise<RunningS3Server> {
	const directory = await mkdtemp(path.join(tmpdir(), "etude-s3rver-"));
	const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
	// Ahead of s3rver's own router, which would answer these calls NotImplemented.
	server.middleware.unshift(multipartCallsS3rverLacks(server), bucketLifecycleCalls());
	const address = await server.run();
	return {
		endpointUrl: `http://127.0.0.1:${address.port}`,
		accessKey: S3RVER_ACCESS_KEY,
		secretKey: S3RVER_SECRET_KEY,
		region: "us-east-1",
		async stop() {
			await server.close();
			await rm(directory, { recursive: true, force: true });
		}
	};
}

/** The environment an Etude node needs to keep its objects in this server's `bucket`. */
export function s3NodeEnvironment(s3: RunningS3Server, bucket: string): Record<string, string> {
	return { S3_ENDPOINT: s3.endpointUrl, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_REGION: s3.region, S3_BUCKET: bucket };
}
