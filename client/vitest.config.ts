import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

export default defineConfig({
	plugins: [react()],
	test: {
		environment: "jsdom",
		include: ["src/**/*.spec.ts", "src/**/*.spec.tsx"],
		setupFiles: ["test/setup.ts"],
		// Ionic's components animate in jsdom; a busy machine must not turn a slow one into a failure.
		testTimeout: 15_000
	}
});
