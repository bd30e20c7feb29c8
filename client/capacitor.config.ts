import type { CapacitorConfig } from "@capacitor/cli";

const config: CapacitorConfig = {
	appId: "app.etude",
	appName: "Etude",
	webDir: "dist",
	plugins: {
		// The offline queue is SQLCipher-encrypted on devices; its secret lives in the Keychain/Keystore
		// (src/data/sqlite-encryption.ts).
		CapacitorSQLite: {
			iosDatabaseLocation: "Library/CapacitorDatabase",
			iosIsEncryption: true,
			iosKeychainPrefix: "app.etude",
			androidIsEncryption: true
		},
		// A push arriving while the app is open is shown as well (it is also in the inbox).
		PushNotifications: { presentationOptions: ["badge", "sound", "alert"] }
	}
};

export default config;
