import type { Migration } from "../lib/db/migrator";

/**
 * An analysis counts its attempts like a video's processing does, so that where no dead-letter
 * queue exists (the embedded default's in-process channels) retries still end, with the recording
 * marked failed instead of pending for ever.
 */
export const mediaReliabilitySchema: Migration = {
	name: "0010-media-reliability",
	async up(client) {
		await client.query("ALTER TABLE metric_analyses ADD COLUMN attempts integer NOT NULL DEFAULT 0");
	},
	async down(client) {
		await client.query("ALTER TABLE metric_analyses DROP COLUMN attempts");
	}
};
