import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const REPO_DIR = resolve(import.meta.dirname, "../..");
const BACKEND_START_TIMEOUT_MS = 120_000;

export interface Backend {
	baseUrl: string;
	stop(): Promise<void>;
}

function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const probe = createServer();
		probe.on("error", fail);
		probe.listen(0, "127.0.0.1", () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => done(port));
		});
	});
}

async function waitForHealth(baseUrl: string, backend: ChildProcess) {
	const deadline = Date.now() + BACKEND_START_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (backend.exitCode !== null) throw new Error(`The backend exited with code ${backend.exitCode}`);
		const healthy = await fetch(`${baseUrl}/api/health`).then(
			(response) => response.ok,
			() => false
		);
		if (healthy) return;
		await new Promise((wait) => setTimeout(wait, 500));
	}
	throw new Error(`The backend did not answer ${baseUrl}/api/health within ${BACKEND_START_TIMEOUT_MS} ms`);
}

/** The embedded default: one process, the embedded database in dataDir, no cluster. */
function embeddedEnv(dataDir: string): NodeJS.ProcessEnv {
	return { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn", TRANSPORTER: "", DATABASE_URL: "" };
}

/**
 * The real backend in its embedded default (one process, embedded database) on a free port, serving the web app
 * built into clientDistDir. Its data folder is a throw-away one, or `dataDir` when given: that one stays when the
 * backend stops, so that a backend can be started again on the same data.
 */
export async function startBackend(clientDistDir: string, options: { dataDir?: string } = {}): Promise<Backend> {
	const port = await freePort();
	const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "etude-e2e-"));
	const backend = spawn(join(REPO_DIR, "node_modules/.bin/tsx"), ["server.ts"], {
		cwd: REPO_DIR,
		env: { ...embeddedEnv(dataDir), PORT: String(port), HOST: "127.0.0.1", CLIENT_DIST_DIR: clientDistDir },
		stdio: ["ignore", "inherit", "inherit"],
		detached: true
	});
	const baseUrl = `http://127.0.0.1:${port}`;
	async function stop() {
		if (backend.exitCode === null) {
			process.kill(-backend.pid!, "SIGTERM");
			await new Promise((done) => backend.once("exit", done));
		}
		if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
	}
	try {
		await waitForHealth(baseUrl, backend);
	} catch (error) {
		await stop();
		throw error;
	}
	return { baseUrl, stop };
}

/**
 * Makes the account with this email a community moderator with the operators' command (scripts/make-moderator.ts).
 * The embedded database has one owner at a time: the backend on dataDir must be stopped.
 */
export async function makeModerator(dataDir: string, email: string): Promise<void> {
	await promisify(execFile)(join(REPO_DIR, "node_modules/.bin/tsx"), ["scripts/make-moderator.ts", email], { cwd: REPO_DIR, env: embeddedEnv(dataDir) });
}
