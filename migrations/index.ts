import type { Migration } from "../lib/db/migrator";
import { initialSchema } from "./0001-initial-schema";
import { mediaSchema } from "./0002-media";
import { analyticsSchema } from "./0003-analytics";

/** In order of application; append, never reorder or edit one that has shipped. */
export const migrations: Migration[] = [initialSchema, mediaSchema, analyticsSchema];
