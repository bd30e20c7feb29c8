import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { AuthResult, LoginInput, RegisterInput, User } from "../models/user";
import { api, apiClient, onSignedOut, queryClient, tokenStore } from "./app-services";
import { accountOf } from "./token-store";

export type AuthStatus = "checking" | "signedOut" | "signedIn";

export interface AuthState {
	status: AuthStatus;
	user: User | null;
	/** The signed-in account's id, known offline too (from the stored token); null when signed out. */
	accountId: string | null;
	login(input: LoginInput): Promise<void>;
	register(input: RegisterInput): Promise<void>;
	logout(): Promise<void>;
	deleteAccount(password: string): Promise<void>;
	setUser(user: User): void;
}

/** Exported so component tests can supply their own auth state. */
export const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
	const [status, setStatus] = useState<AuthStatus>("checking");
	const [user, setUser] = useState<User | null>(null);
	const [accountId, setAccountId] = useState<string | null>(null);

	const signedOut = useCallback(() => {
		setUser(null);
		setAccountId(null);
		setStatus("signedOut");
	}, []);

	const forget = useCallback(async () => {
		await apiClient.signOut();
		queryClient.clear();
		signedOut();
	}, [signedOut]);

	const signedIn = useCallback((result: AuthResult) => {
		setUser(result.user);
		setAccountId(result.user.id);
		setStatus("signedIn");
	}, []);

	useEffect(() => {
		let cancelled = false;
		(async () => {
			if (!(await tokenStore.read())) {
				if (!cancelled) setStatus("signedOut");
				return;
			}
			try {
				const me = await api.me.get();
				if (!cancelled) {
					setUser(me);
					setAccountId(me.id);
					setStatus("signedIn");
				}
			} catch {
				// Offline with stored tokens still counts as signed in: the practice log works without a network.
				const stillStored = await tokenStore.read();
				if (cancelled) return;
				setAccountId(accountOf(stillStored));
				setStatus(stillStored ? "signedIn" : "signedOut");
			}
		})();
		const stopListening = onSignedOut(signedOut);
		return () => {
			cancelled = true;
			stopListening();
		};
	}, [signedOut]);

	const value = useMemo<AuthState>(
		() => ({
			status,
			user,
			accountId,
			async login(input) {
				const result = await api.auth.login(input);
				await apiClient.signIn(result);
				signedIn(result);
			},
			async register(input) {
				const result = await api.auth.register(input);
				await apiClient.signIn(result);
				signedIn(result);
			},
			async logout() {
				const tokens = await tokenStore.read();
				// Signing out locally must work offline; revoking on the server is best effort.
				if (tokens) await api.auth.logout(tokens.refreshToken).catch(() => undefined);
				await forget();
			},
			async deleteAccount(password) {
				await api.me.delete(password);
				await forget();
			},
			setUser
		}),
		[status, user, accountId, forget, signedIn]
	);

	return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
	const state = useContext(AuthContext);
	if (!state) throw new Error("useAuth needs an AuthProvider above it");
	return state;
}
