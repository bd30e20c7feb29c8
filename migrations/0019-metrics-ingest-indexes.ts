import type { Migration } from "../lib/db/migrator";

/**
 * `metrics` loses its BRIN index on `ts`. Every read of points goes by video (`metrics_video`) or
 * by a student's summary rows (`metrics_student_summary`); none filters by time alone, and old
 * months leave by dropping their partition. Yet PostgreSQL 15 maintains a BRIN index on every
 * inserted row, reading its metapage and revmap each time (17 caches them). On the worker's
 * binary COPY, one take of 9 018 points per transaction, that cost 5–9 ms of a 27–43 ms COPY
 * (runs with and without it alternating on the shared 2-core machine; README, Analytics).
 */
export const metricsIngestIndexesSchema: Migration = {
	name: "0019-metrics-ingest-indexes",
	async up(client) {
		await client.query("DROP INDEX metrics_ts_brin");
	},
	async down(client) {
		await client.query("CREATE INDEX metrics_ts_brin ON metrics USING brin (ts)");
	}
};
