import { IonApp, IonRouterOutlet, setupIonicReact } from "@ionic/react";
import { IonReactRouter } from "@ionic/react-router";
import { QueryClientProvider } from "@tanstack/react-query";
import { Redirect, Route } from "react-router-dom";
import { lazyScreen, Loading } from "./components/lazy-screen";
import { UpdateOffer } from "./components/UpdateOffer/UpdateOffer";
import { queryClient } from "./data/app-services";
import { AuthProvider, useAuth } from "./data/auth-context";
import LoginPage from "./pages/LoginPage";

import "@ionic/react/css/core.css";
import "@ionic/react/css/normalize.css";
import "@ionic/react/css/structure.css";
import "@ionic/react/css/typography.css";
import "@ionic/react/css/padding.css";
import "@ionic/react/css/flex-utils.css";
import "@ionic/react/css/display.css";
import "@ionic/react/css/palettes/dark.system.css";
import "./theme/variables.css";

setupIonicReact();

// The sign-in screen is the first one most visits need, so it comes with the first download rather than after it.
const RegisterPage = lazyScreen(() => import("./pages/RegisterPage"));
const MainTabs = lazyScreen(() => import("./pages/MainTabs"));

// Each role's home is decided by the tabs (pages/MainTabs.tsx), which load after sign-in.
const HOME = "/tabs";

function Routes() {
	const { status } = useAuth();
	if (status === "checking") return <Loading />;
	const signedIn = status === "signedIn";
	return (
		<IonReactRouter>
			<IonRouterOutlet>
				<Route exact path="/login" render={() => (signedIn ? <Redirect to={HOME} /> : <LoginPage />)} />
				<Route exact path="/register" render={() => (signedIn ? <Redirect to={HOME} /> : <RegisterPage />)} />
				<Route path="/tabs" render={() => (signedIn ? <MainTabs /> : <Redirect to="/login" />)} />
				<Route exact path="/" render={() => <Redirect to={signedIn ? HOME : "/login"} />} />
			</IonRouterOutlet>
		</IonReactRouter>
	);
}

export function App() {
	return (
		<IonApp>
			<QueryClientProvider client={queryClient}>
				<AuthProvider>
					<Routes />
				</AuthProvider>
				<UpdateOffer />
			</QueryClientProvider>
		</IonApp>
	);
}
