import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";

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
