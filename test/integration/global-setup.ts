import type { TestProject } from "vitest/node";
import { migrateDatabase } from "../../lib/db/migrator";
import { createScratchDatabase } from "../support/postgres";

declare module "vitest" {
	export interface ProvidedContext {
		templateDatabaseUrl: string;
	}
}

/**
 * One migrated database per run, never connected to afterwards: each file gets a copy of it
 * (file-database.setup.ts). Dropped after the run.
 */
export default async function setup(project: TestProject) {
	const template = await createScratchDatabase("etude_it");
	await migrateDatabase(template.url);
	project.provide("templateDatabaseUrl", template.url);
	return () => template.drop();
}
