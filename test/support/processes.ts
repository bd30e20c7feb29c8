import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";

import { KNOWN_SERVICES, type ServiceName } from "../../broker.config";

const repositoryRoot = path.resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
	const server = createServer().listen(0, "127.0.0.1");
	await once(server, "listening");
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** `server.ts` in its own process, as production runs it, logging to `logDir/<name>.log`. */
export function spawnEtudeNode(name: string, logDir: string, env: Record<string, string>): ChildProcess {
	const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: "a" });
	const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
		cwd: repositoryRoot,
		env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "info", RATE_LIMIT_PER_MINUTE: "0", DATA_DIR: logDir, ...env },
		stdio: ["ignore", "pipe", "pipe"]
	});
	child.stdout!.pipe(log);
	child.stderr!.pipe(log);
	return child;
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = once(child, "exit");
	child.kill(signal);
	await exited;
}

/** Polls `check` until it holds; a thrown error counts as "not yet". */
export async function waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs?: number; logDir?: string } = {}): Promise<void> {
	const deadline = Date.now() + (options.timeoutMs ?? 30_000);
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`Timed out waiting for ${what}${options.logDir ? `; logs in ${options.logDir}\n${lastWords(options.logDir)}` : ""}`);
}

/** Each node log's last error (or, without one, its last line): why a node did not come up, in the test's own failure. */
function lastWords(logDir: string): string {
	return readdirSync(logDir)
		.filter((file) => file.endsWith(".log"))
		.map((file) => {
			const lines = readFileSync(path.join(logDir, file), "utf8").trimEnd().split("\n");
			const lastError = lines.findLast((line) => /"level":(5|6)0/.test(line) || /^\w*Error\b/.test(line));
			return `${file}: ${(lastError ?? lines.at(-1) ?? "").slice(0, 400)}`;
		})
		.join("\n");
}

/** One personal-data key for every test node, so that nodes on a shared test database read each other's rows. */
export const TEST_PII_KEYS = `test-1:${Buffer.alloc(32, 7).toString("base64")}`;

/** What every node of one test cluster shares: NATS, a namespace of its own, the database, the key. */
export function clusterEnvironment(cluster: { natsUrl: string; namespace: string; databaseUrl: string }): Record<string, string> {
	return {
		TRANSPORTER: cluster.natsUrl,
		NAMESPACE: cluster.namespace,
		DATABASE_URL: cluster.databaseUrl,
		JWT_SECRET: "test-cluster-secret-that-is-long-enough-for-hs256",
		// Each node keeps its own DATA_DIR: without shared keys each would generate its own.
		PII_KEYS: TEST_PII_KEYS,
		// A loaded machine can take longer than production's 10 s to boot a node.
		SERVICE_WAIT_MS: "30000"
	};
}

/**
 * A SERVICES value naming every group except the given ones: a gateway is ready only once every
 * group whose routes it declares has joined, so a test cluster runs them all somewhere, including
 * groups added after the test was written.
 */
export function everyGroupExcept(...groups: ServiceName[]): string {
	return KNOWN_SERVICES.filter((name) => !groups.includes(name)).join(",");
}
