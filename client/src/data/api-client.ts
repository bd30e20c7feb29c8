import type { ApiErrorBody } from "../models/api-error";
import type { AuthResult } from "../models/user";
import { ApiError, CLIENT_ERROR_CODES } from "./api-error";
import { endpoints } from "./endpoints";
import { accountOf, type AuthTokens, type TokenStore } from "./token-store";

type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** Answers that mean "your access token is no good, a fresh one may fix it". */
const REFRESHABLE_CODES = new Set(["ERR_INVALID_TOKEN", "ERR_TOKEN_EXPIRED"]);

export interface ApiClientOptions {
	baseUrl: string;
	tokens: TokenStore;
	fetchImpl?: typeof fetch;
	/** Called once the refresh token is refused: the student has to sign in again. */
	onSignedOut?: () => void;
	/** Called after every refresh so the app can show the user the server now returns. */
	onAuthenticated?: (result: AuthResult) => void;
}

export interface RequestOptions {
	body?: unknown;
	query?: Record<string, string | number | undefined>;
	/** false for the auth calls that must not carry or refresh a token */
	authenticated?: boolean;
	/**
	 * Only send as this account: refused with a 401 when the stored tokens, before or after a refresh, are another
	 * account's (someone else signed in on this device meanwhile).
	 */
	asAccount?: string;
}

function assertAccount(tokens: AuthTokens | null, accountId: string | undefined) {
	if (accountId !== undefined && accountOf(tokens) !== accountId) {
		throw new ApiError(CLIENT_ERROR_CODES.signedOut, "Another account is signed in", 401);
	}
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
	return typeof value === "object" && value !== null && typeof (value as ApiErrorBody).code === "string";
}

export class ApiClient {
	private readonly fetchImpl: typeof fetch;
	/** One refresh at a time: parallel 401s share it, because the server revokes a refresh token on use. */
	private refreshInFlight: Promise<AuthTokens> | null = null;

	constructor(private readonly options: ApiClientOptions) {
		this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
	}

	get baseUrl(): string {
		return this.options.baseUrl;
	}

	async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
		const authenticated = options.authenticated ?? true;
		const tokens = authenticated ? await this.options.tokens.read() : null;
		if (authenticated && !tokens) {
			throw new ApiError(CLIENT_ERROR_CODES.signedOut, "Not signed in", 401);
		}
		assertAccount(tokens, options.asAccount);
		try {
			return await this.send<T>(method, path, options, tokens?.token);
		} catch (error) {
			if (!authenticated || !(error instanceof ApiError) || !REFRESHABLE_CODES.has(error.code)) throw error;
			const refreshed = await this.refreshTokens(tokens!);
			assertAccount(refreshed, options.asAccount);
			return this.send<T>(method, path, options, refreshed.token);
		}
	}

	/** Stores the tokens of a fresh sign-in. */
	async signIn(result: AuthResult): Promise<void> {
		await this.options.tokens.write({ token: result.token, refreshToken: result.refreshToken });
	}

	async signOut(): Promise<void> {
		await this.options.tokens.clear();
	}

	private refreshTokens(stale: AuthTokens): Promise<AuthTokens> {
		this.refreshInFlight ??= this.exchangeRefreshToken(stale).finally(() => {
			this.refreshInFlight = null;
		});
		return this.refreshInFlight;
	}

	private async exchangeRefreshToken(stale: AuthTokens): Promise<AuthTokens> {
		const current = await this.options.tokens.read();
		// Another tab or call already rotated the pair: use the new one rather than spend a revoked token.
		if (current && current.token !== stale.token) return current;
		try {
			const result = await this.send<AuthResult>("POST", endpoints.refresh, {
				body: { refreshToken: stale.refreshToken }
			});
			const fresh = { token: result.token, refreshToken: result.refreshToken };
			await this.options.tokens.write(fresh);
			this.options.onAuthenticated?.(result);
			return fresh;
		} catch (error) {
			if (error instanceof ApiError && !error.isTransient) {
				await this.options.tokens.clear();
				this.options.onSignedOut?.();
			}
			throw error;
		}
	}

	private async send<T>(method: HttpMethod, path: string, options: RequestOptions, token?: string): Promise<T> {
		const url = new URL(this.options.baseUrl + path, globalThis.location?.href ?? "http://localhost");
		for (const [name, value] of Object.entries(options.query ?? {})) {
			if (value !== undefined && value !== "") url.searchParams.set(name, String(value));
		}
		const headers: Record<string, string> = { Accept: "application/json" };
		if (options.body !== undefined) headers["Content-Type"] = "application/json";
		if (token) headers.Authorization = `Bearer ${token}`;

		let response: Response;
		try {
			response = await this.fetchImpl(url.toString(), {
				method,
				headers,
				body: options.body === undefined ? undefined : JSON.stringify(options.body)
			});
		} catch {
			throw new ApiError(CLIENT_ERROR_CODES.network, "The server could not be reached", 0);
		}

		if (response.status === 204) return undefined as T;
		const payload: unknown = await response.json().catch(() => undefined);
		if (response.ok) return payload as T;
		if (isApiErrorBody(payload)) {
			throw new ApiError(payload.code, payload.message, response.status, payload.fields ?? []);
		}
		throw new ApiError(CLIENT_ERROR_CODES.unexpectedResponse, `HTTP ${response.status}`, response.status);
	}
}
