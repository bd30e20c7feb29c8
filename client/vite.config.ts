import { fileURLToPath } from "node:url";
import { defineConfig, searchForWorkspaceRoot } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { viteStaticCopy } from "vite-plugin-static-copy";
import { ionicReactPerComponent } from "./build-plugins/ionic-react-per-component";
import { precompress } from "./build-plugins/precompress";

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
		ionicReactPerComponent(),
		viteStaticCopy({
			targets: [{ src: "node_modules/sql.js/dist/sql-wasm.wasm", dest: "assets" }]
		}),
		VitePWA({
			// Our own service worker source (src/sw.ts), so other features can add listeners (Web Push) to it.
			strategies: "injectManifest",
			srcDir: "src",
			filename: "sw.ts",
			// Registered by src/data/app-updates.ts, not by an inline script the Content-Security-Policy forbids.
			injectRegister: false,
			registerType: "prompt",
			injectManifest: {
				// The app shell: everything the build wrote, the SQLite wasm included, so the app works offline.
				globPatterns: ["**/*.{js,css,html,svg,png,ico,wasm,webmanifest}"],
				maximumFileSizeToCacheInBytes: 4 * 1024 * 1024
			},
			manifest: {
				name: "Etude",
				short_name: "Etude",
				description: "Practice log, recordings and feedback for music students and their teachers",
				start_url: "/",
				scope: "/",
				display: "standalone",
				background_color: "#ffffff",
				theme_color: "#3949ab",
				icons: [
					{ src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
					{ src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
					{ src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" }
				]
			}
		}),
		precompress()
	],
	build: {
		outDir: "dist",
		emptyOutDir: true,
		// Lists every content-hashed file, which the gateway then serves as immutable (lib/static-assets.ts).
		manifest: true,
		rolldownOptions: {
			treeshake: { moduleSideEffects: (id: string) => !IONIC_COMPONENT_MODULE.test(id) }
		}
	},
	server: {
		proxy: { "/api": "http://localhost:3000" },
		// The wire types shared with the server (../contracts) sit outside the app's folder; the dev server may serve them.
		fs: { allow: [searchForWorkspaceRoot(process.cwd()), fileURLToPath(new URL("../contracts", import.meta.url))] }
	}
});
