import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
	export interface ProvidedContext {
		baseUrl: string;
	}
}

const CLIENT_DIR = resolve(import.meta.dirname, "..");
const REPO_DIR = resolve(CLIENT_DIR, "..");
const BACKEND_START_TIMEOUT_MS = 120_000;

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

/**
 * Runs against E2E_BASE_URL when given; otherwise builds the app and starts the real backend in its embedded
 * default (one process, embedded database, a throw-away data folder) serving that build.
 */
export default async function setup(project: TestProject) {
	const givenBaseUrl = process.env.E2E_BASE_URL;
	if (givenBaseUrl) {
		project.provide("baseUrl", givenBaseUrl.replace(/\/$/, ""));
		return;
	}
	execFileSync("npm", ["run", "build"], { cwd: CLIENT_DIR, stdio: ["ignore", "ignore", "inherit"] });
	const port = await freePort();
	const dataDir = mkdtempSync(join(tmpdir(), "etude-e2e-"));
	const backend = spawn(join(REPO_DIR, "node_modules/.bin/tsx"), ["server.ts"], {
		cwd: REPO_DIR,
		env: {
			...process.env,
			PORT: String(port),
			HOST: "127.0.0.1",
			DATA_DIR: dataDir,
			CLIENT_DIST_DIR: join(CLIENT_DIR, "dist"),
			LOG_LEVEL: "warn",
			TRANSPORTER: "",
			DATABASE_URL: ""
		},
		stdio: ["ignore", "inherit", "inherit"],
		detached: true
	});
	const baseUrl = `http://127.0.0.1:${port}`;
	try {
		await waitForHealth(baseUrl, backend);
	} catch (error) {
		process.kill(-backend.pid!, "SIGTERM");
		throw error;
	}
	project.provide("baseUrl", baseUrl);

	return async () => {
		process.kill(-backend.pid!, "SIGTERM");
		await new Promise((done) => (backend.exitCode === null ? backend.once("exit", done) : done(undefined)));
		rmSync(dataDir, { recursive: true, force: true });
	};
}
