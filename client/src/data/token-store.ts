import { Capacitor } from "@capacitor/core";
import { Preferences } from "@capacitor/preferences";
import { loadSecureStorage } from "./secure-storage";

export interface AuthTokens {
	token: string;
	refreshToken: string;
}

export interface TokenStore {
	read(): Promise<AuthTokens | null>;
	write(tokens: AuthTokens): Promise<void>;
	clear(): Promise<void>;
}

const TOKENS_KEY = "etude.authTokens";

/**
 * The account a token pair was issued to: the access token's subject. Read, not verified (the server verifies
 * every request); the app uses it to keep one account's offline work away from another's.
 */
export function accountOf(tokens: AuthTokens | null): string | null {
	const payload = tokens?.token.split(".")[1];
	if (!payload) return null;
	try {
		const bytes = Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0));
		const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
		return typeof claims.sub === "string" ? claims.sub : null;
	} catch {
		return null;
	}
}

/** The stored tokens only while they belong to `accountId`, so a request made with them cannot go out as someone else. */
export function tokensOfAccount(store: TokenStore, accountId: string): Pick<TokenStore, "read"> {
	return {
		async read() {
			const tokens = await store.read();
			return accountOf(tokens) === accountId ? tokens : null;
		}
	};
}

function parseTokens(raw: string | null): AuthTokens | null {
	if (!raw) return null;
	try {
		const parsed = JSON.parse(raw) as Partial<AuthTokens>;
		return typeof parsed.token === "string" && typeof parsed.refreshToken === "string"
			? { token: parsed.token, refreshToken: parsed.refreshToken }
			: null;
	} catch {
		return null;
	}
}

/**
 * Web: Preferences is localStorage; a browser has no safer place a script can reach, and the refresh
 * token rotates on every use so a stolen copy dies at the next refresh.
 */
class PreferencesTokenStore implements TokenStore {
	async read() {
		return parseTokens((await Preferences.get({ key: TOKENS_KEY })).value);
	}
	async write(tokens: AuthTokens) {
		await Preferences.set({ key: TOKENS_KEY, value: JSON.stringify(tokens) });
	}
	async clear() {
		await Preferences.remove({ key: TOKENS_KEY });
	}
}

/** Devices: the iOS Keychain / Android Keystore, loaded only there so the web bundle stays small. */
class SecureTokenStore implements TokenStore {
	private async storage() {
		return (await loadSecureStorage()).SecureStorage;
	}
	async read() {
		return parseTokens(await (await this.storage()).getItem(TOKENS_KEY));
	}
	async write(tokens: AuthTokens) {
		await (await this.storage()).setItem(TOKENS_KEY, JSON.stringify(tokens));
	}
	async clear() {
		await (await this.storage()).removeItem(TOKENS_KEY);
	}
}

export class MemoryTokenStore implements TokenStore {
	private tokens: AuthTokens | null;
	constructor(initial: AuthTokens | null = null) {
		this.tokens = initial;
	}
	async read() {
		return this.tokens;
	}
	async write(tokens: AuthTokens) {
		this.tokens = tokens;
	}
	async clear() {
		this.tokens = null;
	}
}

export function createPlatformTokenStore(): TokenStore {
	return Capacitor.isNativePlatform() ? new SecureTokenStore() : new PreferencesTokenStore();
}
