import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: "unit",
					include: ["services/**/*.spec.ts", "mixins/**/*.spec.ts", "lib/**/*.spec.ts", "test/unit/**/*.spec.ts"]
				}
			},
			{
				test: {
					name: "integration",
					include: ["test/integration/**/*.spec.ts"],
					globalSetup: ["test/integration/global-setup.ts"],
					testTimeout: 30_000,
					hookTimeout: 60_000
				}
			},
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
