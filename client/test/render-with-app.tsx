import { IonApp } from "@ionic/react";
import { IonReactRouter } from "@ionic/react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { AuthContext, type AuthState } from "../src/data/auth-context";

/** Renders screens at `path` with the app's providers: the signed-in user `userId`, a fresh query cache that does not retry, Ionic's router. */
export function renderWithApp(children: ReactNode, path: string, userId = "u1") {
	const auth = { user: { id: userId, role: "student", name: "Nina", email: "n@example.org", timezone: "Europe/Vienna", a4Hz: 440 } } as unknown as AuthState;
	window.history.replaceState(null, "", path);
	const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
	render(
		<IonApp>
			<QueryClientProvider client={queryClient}>
				<AuthContext.Provider value={auth}>
					<IonReactRouter>{children}</IonReactRouter>
				</AuthContext.Provider>
			</QueryClientProvider>
		</IonApp>
	);
}
