import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
	{ ignores: ["node_modules/", "dist/", "android/", "ios/", "coverage/"] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		plugins: { "react-hooks": reactHooks },
		rules: {
			"react-hooks/rules-of-hooks": "error",
			"react-hooks/exhaustive-deps": "error",
			"@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
			"no-console": ["error", { allow: ["warn", "error"] }]
		}
	}
);
