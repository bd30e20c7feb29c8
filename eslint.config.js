import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
	{ ignores: ["node_modules/", "data/", "dist/", "coverage/", "client/", "test-results/", ".scratch*/"] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		rules: {
			"@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
			"no-console": ["error", { allow: ["warn", "error"] }]
		}
	},
	{
		// Response bodies in tests are whatever the server sent; asserting them is the point.
		files: ["test/**/*.ts", "**/*.spec.ts"],
		rules: { "@typescript-eslint/no-explicit-any": "off" }
	},
	{
		// Command-line tools and benchmarks print their results.
		files: ["scripts/**/*.ts", "bench/**/*.ts"],
		rules: { "no-console": "off" }
	}
);
