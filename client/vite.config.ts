import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { viteStaticCopy } from "vite-plugin-static-copy";

/**
 * Ionic's component modules call proxyCustomElement at top level without a pure annotation, so a bundler keeps
 * all ~90 components; they are safe to drop when unused because @ionic/react defines each one when it renders.
 */
const IONIC_COMPONENT_MODULE = /[\\/]@ionic[\\/]core[\\/]components[\\/]ion-[a-z-]+\.js$/;

// jeep-sqlite (the web store behind @capacitor-community/sqlite) fetches /assets/sql-wasm.wasm at run time. It
// bundles sql.js 1.11/1.12's JavaScript inside itself, so package.json pins sql.js to the wasm that pairs with it.
export default defineConfig({
	base: "/",
	plugins: [
		react(),
		viteStaticCopy({
			targets: [{ src: "node_modules/sql.js/dist/sql-wasm.wasm", dest: "assets" }]
		})
	],
	build: {
		outDir: "dist",
		emptyOutDir: true,
		rolldownOptions: {
			treeshake: { moduleSideEffects: (id: string) => !IONIC_COMPONENT_MODULE.test(id) }
		}
	},
	server: { proxy: { "/api": "http://localhost:3000" } }
});
