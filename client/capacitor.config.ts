import type { CapacitorConfig } from "@capacitor/cli";

const config: CapacitorConfig = {
	appId: "app.etude",
	appName: "Etude",
	webDir: "dist",
	plugins: {
		CapacitorSQLite: {
			iosDatabaseLocation: "Library/CapacitorDatabase",
			androidIsEncryption: false
		}
	}
};

export default config;
