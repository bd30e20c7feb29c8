import { defineConfig } from "vitest/config";

/**
 * Lessons, reminders, practice days and due dates live in people's zones, never the server's: the
 * suites of scheduling and the teacher toolkit run once per process time zone (UTC hides the bugs
 * of computing days and weeks in the server's local time).
 */
const PROCESS_ZONES = { utc: "UTC", "new-york": "America/New_York", kolkata: "Asia/Kolkata" };
const ZONED_TESTS = [
	"services/scheduling/**/*.spec.ts",
	"test/integration/scheduling*.spec.ts",
	"services/teaching/**/*.spec.ts",
	"test/integration/teaching-*.spec.ts"
];

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: "unit",
					include: ["services/**/*.spec.ts", "mixins/**/*.spec.ts", "middlewares/**/*.spec.ts", "lib/**/*.spec.ts", "test/unit/**/*.spec.ts"],
					exclude: ZONED_TESTS,
					// A few run ffmpeg or kubectl: a busy machine must not turn them into failures.
					testTimeout: 20_000
				}
			},
			{
				test: {
					name: "integration",
					include: ["test/integration/**/*.spec.ts"],
					exclude: ZONED_TESTS,
					// Each file has a database of its own (test/support/file-database.ts), so files run
					// side by side.
					globalSetup: ["test/integration/global-setup.ts"],
					setupFiles: ["test/integration/file-database.setup.ts"],
					testTimeout: 30_000,
					hookTimeout: 60_000
				}
			},
			...Object.entries(PROCESS_ZONES).map(([name, timezone]) => ({
				test: {
					name: `zoned-${name}`,
					include: ZONED_TESTS,
					env: { TZ: timezone },
					globalSetup: ["test/integration/global-setup.ts"],
					setupFiles: ["test/integration/file-database.setup.ts"],
					testTimeout: 30_000,
					hookTimeout: 60_000
				}
			})),
			{
				test: {
					name: "multinode",
					include: ["test/multinode/**/*.spec.ts"],
					testTimeout: 90_000,
					hookTimeout: 90_000,
					fileParallelism: false
				}
			}
		]
	}
});
