import { afterAll, inject } from "vitest";
import { FILE_DATABASE_ENV } from "../support/file-database";
import { createScratchDatabase } from "../support/postgres";

const database = await createScratchDatabase("etude_it_file", { template: inject("templateDatabaseUrl") });
process.env[FILE_DATABASE_ENV] = database.url;
// Registered before the file's own hooks, so it runs after them: the file's nodes have stopped.
afterAll(() => database.drop());
