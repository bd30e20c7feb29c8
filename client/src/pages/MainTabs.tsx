import { IonIcon, IonLabel, IonRouterOutlet, IonTabBar, IonTabButton, IonTabs } from "@ionic/react";
import {
	calendarOutline,
	chatbubblesOutline,
	listOutline,
	peopleOutline,
	pricetagsOutline,
	settingsOutline,
	statsChartOutline,
	timerOutline,
	videocamOutline
} from "ionicons/icons";
import { useEffect, type ComponentType } from "react";
import { HeaderActionsContext } from "../components/header-actions";
import { NotificationBell } from "../components/NotificationBell";
import { Redirect, Route } from "react-router-dom";
import { lazyScreen } from "../components/lazy-screen";
import { useAuth } from "../data/auth-context";
import { pushEnabled, pushSupport, registerDeviceToken } from "../data/push-registration";
import { SyncProvider } from "../data/sync-context";
import type { Role } from "../models/user";
import PracticePage from "./PracticePage";
import SessionsPage from "./SessionsPage";
import SettingsPage from "./SettingsPage";

// Charts and video playback are the heavy parts: loaded when their screens open.
const ProgressPage = lazyScreen(() => import("./ProgressPage"));
const SessionDetailPage = lazyScreen(() => import("./SessionDetailPage"));
const LessonsPage = lazyScreen(() => import("./schedule/LessonsPage"));
const StudentsPage = lazyScreen(() => import("./teaching/StudentsPage"));
const ReviewPage = lazyScreen(() => import("./teaching/ReviewPage"));
const TagsPage = lazyScreen(() => import("./teaching/TagsPage"));
const NotificationsPage = lazyScreen(() => import("./NotificationsPage"));
const NotificationSettingsPage = lazyScreen(() => import("./NotificationSettingsPage"));
const CommunityPage = lazyScreen(() => import("./community/CommunityPage"));
const AskPage = lazyScreen(() => import("./community/AskPage"));
const QuestionPage = lazyScreen(() => import("./community/QuestionPage"));
const EditPostPage = lazyScreen(() => import("./community/EditPostPage"));
const PostHistoryPage = lazyScreen(() => import("./community/PostHistoryPage"));
const ModerationPage = lazyScreen(() => import("./community/ModerationPage"));
const POST_ID_PATTERN = "[0-9a-f-]{36}";

interface TabDefinition {
	tab: string;
	label: string;
	icon: string;
	/** The tab's screens: its own path first, then the ones opened from it. */
	routes: Array<{ path: string; component: ComponentType }>;
}

const SETTINGS_TAB: TabDefinition = {
	tab: "settings",
	label: "Settings",
	icon: settingsOutline,
	routes: [
		{ path: "/tabs/settings", component: SettingsPage },
		{ path: "/tabs/settings/notifications", component: NotificationSettingsPage },
		// The bell opens the inbox from any tab; it sits with settings in the tab bar.
		{ path: "/tabs/notifications", component: NotificationsPage }
	]
};

/**
 * Both roles ask and answer; moderators also review. A post id is a UUID, so "ask" and "moderation" never open as a
 * post (Ionic's outlet does not stop at the first match).
 */
const COMMUNITY_TAB: TabDefinition = {
	tab: "community",
	label: "Community",
	icon: chatbubblesOutline,
	routes: [
		{ path: "/tabs/community", component: CommunityPage },
		{ path: "/tabs/community/ask", component: AskPage },
		{ path: "/tabs/community/moderation", component: ModerationPage },
		{ path: `/tabs/community/:postId(${POST_ID_PATTERN})`, component: QuestionPage },
		{ path: `/tabs/community/:postId(${POST_ID_PATTERN})/edit`, component: EditPostPage },
		{ path: `/tabs/community/:postId(${POST_ID_PATTERN})/history`, component: PostHistoryPage }
	]
};

/** Each role's own product: a teacher is never offered practice logging. */
const TABS_BY_ROLE: Record<Role, TabDefinition[]> = {
	student: [
		{
			tab: "practice",
			label: "Practice",
			icon: timerOutline,
			routes: [{ path: "/tabs/practice", component: PracticePage }]
		},
		{
			tab: "sessions",
			label: "Sessions",
			icon: listOutline,
			routes: [
				{ path: "/tabs/sessions", component: SessionsPage },
				{ path: "/tabs/sessions/:sessionId", component: SessionDetailPage }
			]
		},
		{
			tab: "progress",
			label: "Progress",
			icon: statsChartOutline,
			routes: [{ path: "/tabs/progress", component: ProgressPage }]
		},
		COMMUNITY_TAB,
		SETTINGS_TAB
	],
	teacher: [
		{
			tab: "students",
			label: "Students",
			icon: peopleOutline,
			routes: [
				{ path: "/tabs/students", component: StudentsPage },
				{ path: "/tabs/students/:studentId", component: StudentsPage }
			]
		},
		{
			tab: "review",
			label: "Review",
			icon: videocamOutline,
			routes: [
				{ path: "/tabs/review", component: ReviewPage },
				{ path: "/tabs/review/:sessionId", component: ReviewPage }
			]
		},
		{ tab: "tags", label: "Tags", icon: pricetagsOutline, routes: [{ path: "/tabs/tags", component: TagsPage }] },
		{
			tab: "lessons",
			label: "Lessons",
			icon: calendarOutline,
			routes: [{ path: "/tabs/lessons", component: LessonsPage }]
		},
		COMMUNITY_TAB,
		SETTINGS_TAB
	]
};

/** Where each role lands after signing in. */
export function homePathOf(role: Role | undefined): string {
	return TABS_BY_ROLE[role ?? "student"][0]!.routes[0]!.path;
}

export default function MainTabs() {
	const { user } = useAuth();
	const tabs = TABS_BY_ROLE[user?.role ?? "student"];
	useEffect(() => {
		// An installed app registers its token at every start (the server keeps a last-seen time); it never asks here.
		if (user && pushSupport() === "native") void pushEnabled().then((enabled) => (enabled ? registerDeviceToken() : undefined)).catch(() => undefined);
	}, [user]);
	return (
		<SyncProvider>
			<HeaderActionsContext.Provider value={user ? <NotificationBell /> : null}>
			<IonTabs>
				<IonRouterOutlet>
					{tabs.flatMap(({ routes }) =>
						routes.map(({ path, component }) => <Route key={path} exact path={path} component={component} />)
					)}
					<Route exact path="/tabs" render={() => <Redirect to={homePathOf(user?.role)} />} />
				</IonRouterOutlet>
				<IonTabBar slot="bottom">
					{tabs.map(({ tab, label, icon }) => (
						<IonTabButton key={tab} tab={tab} href={`/tabs/${tab}`}>
							<IonIcon icon={icon} aria-hidden="true" />
							<IonLabel>{label}</IonLabel>
						</IonTabButton>
					))}
				</IonTabBar>
			</IonTabs>
			</HeaderActionsContext.Provider>
		</SyncProvider>
	);
}
