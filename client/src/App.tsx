import { IonApp, IonRouterOutlet, setupIonicReact } from "@ionic/react";
import { IonReactRouter } from "@ionic/react-router";
import { QueryClientProvider } from "@tanstack/react-query";
import { Redirect, Route } from "react-router-dom";
import { lazyScreen, Loading } from "./components/lazy-screen";
import { queryClient } from "./data/app-services";
import { AuthProvider, useAuth } from "./data/auth-context";

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

const LoginPage = lazyScreen(() => import("./pages/LoginPage"));
const RegisterPage = lazyScreen(() => import("./pages/RegisterPage"));
const MainTabs = lazyScreen(() => import("./pages/MainTabs"));

const HOME = "/tabs/practice";

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
			</QueryClientProvider>
		</IonApp>
	);
}
