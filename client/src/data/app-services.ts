import { QueryClient } from "@tanstack/react-query";
import { ApiClient } from "./api-client";
import { createEtudeApi } from "./api";
import { ApiError } from "./api-error";
import { DEFAULT_API_BASE_URL } from "./endpoints";
import { createPlatformTokenStore } from "./token-store";

const signedOutListeners = new Set<() => void>();

export const tokenStore = createPlatformTokenStore();

export const apiClient = new ApiClient({
	baseUrl: import.meta.env.VITE_API_BASE_URL ?? DEFAULT_API_BASE_URL,
	tokens: tokenStore,
	onSignedOut: () => signedOutListeners.forEach((listener) => listener())
});

export const api = createEtudeApi(apiClient);

export function onSignedOut(listener: () => void): () => void {
	signedOutListeners.add(listener);
	return () => signedOutListeners.delete(listener);
}

export const queryClient = new QueryClient({
	defaultOptions: {
		queries: {
			// A refusal (4xx) will not change on retry; only network and server failures are worth another go.
			retry: (failureCount, error) => failureCount < 2 && (!(error instanceof ApiError) || error.isTransient),
			staleTime: 30_000
		}
	}
});
