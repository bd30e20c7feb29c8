import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startBackend } from "./backend";

declare module "vitest" {
	export interface ProvidedContext {
		baseUrl: string;
	}
}

const CLIENT_DIR = resolve(import.meta.dirname, "..");

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
	// Vitest sets NODE_ENV=test, which would make Vite bundle React's development build and leave out the service worker.
	execFileSync("npm", ["run", "build"], {
		cwd: CLIENT_DIR,
		stdio: ["ignore", "ignore", "inherit"],
		env: { ...process.env, NODE_ENV: "production" }
	});
	const backend = await startBackend(join(CLIENT_DIR, "dist"));
	project.provide("baseUrl", backend.baseUrl);
	return () => backend.stop();
}
