import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** The part of s3rver's API we use; the package ships no types. */
interface S3rverInstance {
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

/** Starts an S3 API server (s3rver) on a free loopback port, storing objects in a fresh temp directory. */
export async function startS3Server(): Promise<RunningS3Server> {
	const directory = await mkdtemp(path.join(tmpdir(), "etude-s3rver-"));
	const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
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
