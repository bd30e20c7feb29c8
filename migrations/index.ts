import type { Migration } from "../lib/db/migrator";
import { initialSchema } from "./0001-initial-schema";

/** In order of application; append, never reorder or edit one that has shipped. */
export const migrations: Migration[] = [initialSchema];
