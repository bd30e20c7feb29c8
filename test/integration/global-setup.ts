import type { TestProject } from "vitest/node";
import { migrateDatabase } from "../../lib/db/migrator";
import { createScratchDatabase } from "../support/postgres";

declare module "vitest" {
	export interface ProvidedContext {
		databaseUrl: string;
	}
}

/** One fresh, migrated PostgreSQL database for the whole integration run, dropped after it. */
export default async function setup(project: TestProject) {
	const database = await createScratchDatabase("etude_it");
	await migrateDatabase(database.url);
	project.provide("databaseUrl", database.url);
	return () => database.drop();
}
