import type { ServiceBroker } from "moleculer";
import type { AuthenticatedUser } from "./actor";
import { UnauthorizedError } from "./errors";

interface TokenState {
	epoch: number;
	status: "active" | "deleted" | "suspended";
}

const REFUSALS = {
	deleted: () => new UnauthorizedError("This account no longer exists", "ERR_ACCOUNT_DELETED"),
	suspended: () => new UnauthorizedError("This account is suspended", "ERR_ACCOUNT_SUSPENDED")
};

/** Long enough that a busy user costs one lookup a minute, short enough to bound a missed broadcast. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX_USERS = 50_000;

/**
 * The gateway's view of each user's current token epoch, so that an access token issued before the
 * account was deleted, suspended or signed out everywhere is refused at once. Answers come from
 * `auth.tokenState`, are cached per user, and are replaced as soon as auth broadcasts
 * `auth.tokens_changed`; the TTL only bounds how long a broadcast missed during a reconnect lasts.
 */
export function createTokenEpochCheck(broker: ServiceBroker) {
	const cache = new Map<string, TokenState & { expiresAt: number }>();

	function remember(userId: string, state: TokenState): void {
		if (cache.size >= CACHE_MAX_USERS) cache.delete(cache.keys().next().value!);
		cache.set(userId, { ...state, expiresAt: Date.now() + CACHE_TTL_MS });
	}

	async function stateOf(userId: string): Promise<TokenState> {
		const cached = cache.get(userId);
		if (cached && cached.expiresAt > Date.now()) return cached;
		const state: TokenState = await broker.call("auth.tokenState", { userId });
		remember(userId, state);
		return state;
	}

	return {
		async assertCurrent(user: AuthenticatedUser): Promise<void> {
			const state = await stateOf(user.id);
			if (state.status !== "active") throw REFUSALS[state.status]();
			if (state.epoch !== user.tokenEpoch) throw new UnauthorizedError("This session was ended; please sign in again", "ERR_TOKEN_REVOKED");
		},
		changed(userId: string, state: TokenState): void {
			remember(userId, state);
		}
	};
}

export type TokenEpochCheck = ReturnType<typeof createTokenEpochCheck>;
