/**
 * The iOS Keychain / Android Keystore-backed store, imported only on devices so the web bundle never carries it.
 */
export async function loadSecureStorage() {
	return import("@aparajita/capacitor-secure-storage");
}
