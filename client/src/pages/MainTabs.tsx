import { IonIcon, IonLabel, IonRouterOutlet, IonTabBar, IonTabButton, IonTabs } from "@ionic/react";
import { listOutline, settingsOutline, statsChartOutline, timerOutline } from "ionicons/icons";
import { Redirect, Route } from "react-router-dom";
import { lazyScreen } from "../components/lazy-screen";
import { SyncProvider } from "../data/sync-context";
import PracticePage from "./PracticePage";
import SessionsPage from "./SessionsPage";
import SettingsPage from "./SettingsPage";

// Charts and video playback are the heavy parts: loaded when their screens open.
const ProgressPage = lazyScreen(() => import("./ProgressPage"));
const SessionDetailPage = lazyScreen(() => import("./SessionDetailPage"));

const TABS = [
	{ tab: "practice", label: "Practice", icon: timerOutline },
	{ tab: "sessions", label: "Sessions", icon: listOutline },
	{ tab: "progress", label: "Progress", icon: statsChartOutline },
	{ tab: "settings", label: "Settings", icon: settingsOutline }
];

export default function MainTabs() {
	return (
		<SyncProvider>
			<IonTabs>
				<IonRouterOutlet>
					<Route exact path="/tabs/practice" component={PracticePage} />
					<Route exact path="/tabs/sessions" component={SessionsPage} />
					<Route exact path="/tabs/sessions/:sessionId" component={SessionDetailPage} />
					<Route exact path="/tabs/progress" component={ProgressPage} />
					<Route exact path="/tabs/settings" component={SettingsPage} />
					<Route exact path="/tabs" render={() => <Redirect to="/tabs/practice" />} />
				</IonRouterOutlet>
				<IonTabBar slot="bottom">
					{TABS.map(({ tab, label, icon }) => (
						<IonTabButton key={tab} tab={tab} href={`/tabs/${tab}`}>
							<IonIcon icon={icon} aria-hidden="true" />
							<IonLabel>{label}</IonLabel>
						</IonTabButton>
					))}
				</IonTabBar>
			</IonTabs>
		</SyncProvider>
	);
}
