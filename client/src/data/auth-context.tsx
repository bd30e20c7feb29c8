import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { LoginInput, RegisterInput, User } from "../models/user";
import { api, apiClient, onSignedOut, queryClient, tokenStore } from "./app-services";

export type AuthStatus = "checking" | "signedOut" | "signedIn";

export interface AuthState {
	status: AuthStatus;
	user: User | null;
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

	const forget = useCallback(async () => {
		await apiClient.signOut();
		queryClient.clear();
		setUser(null);
		setStatus("signedOut");
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
					setStatus("signedIn");
				}
			} catch {
				// Offline with stored tokens still counts as signed in: the practice log works without a network.
				if (!cancelled) setStatus((await tokenStore.read()) ? "signedIn" : "signedOut");
			}
		})();
		const stopListening = onSignedOut(() => {
			setUser(null);
			setStatus("signedOut");
		});
		return () => {
			cancelled = true;
			stopListening();
		};
	}, []);

	const value = useMemo<AuthState>(
		() => ({
			status,
			user,
			async login(input) {
				const result = await api.auth.login(input);
				await apiClient.signIn(result);
				setUser(result.user);
				setStatus("signedIn");
			},
			async register(input) {
				const result = await api.auth.register(input);
				await apiClient.signIn(result);
				setUser(result.user);
				setStatus("signedIn");
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
		[status, user, forget]
	);

	return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
	const state = useContext(AuthContext);
	if (!state) throw new Error("useAuth needs an AuthProvider above it");
	return state;
}
