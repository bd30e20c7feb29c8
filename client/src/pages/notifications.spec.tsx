import { fireEvent, screen, waitFor } from "@testing-library/react";
import { Route } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HeaderActionsContext } from "../components/header-actions";
import { NotificationBell } from "../components/NotificationBell";
import { Screen } from "../components/Screen";
import { api } from "../data/app-services";
import type { AppNotification, NotificationPreferences } from "../models/notification";
import { routeOfNotification } from "../util/notification-links";
import NotificationSettingsPage from "./NotificationSettingsPage";
import { renderWithApp } from "../../test/render-with-app";
import NotificationsPage from "./NotificationsPage";

function notification(overrides: Partial<AppNotification>): AppNotification {
	return {
		id: "n1",
		category: "lesson_reminder",
		title: "Cello with Ms Lee",
		body: "Starts in 1 hour",
		link: { screen: "lessons", lessonId: "l1" },
		createdAt: "2026-12-01T10:00:00.000Z",
		seenAt: null,
		readAt: null,
		...overrides
	};
}

afterEach(() => vi.restoreAllMocks());

describe("the notification bell", () => {
	it("shows the unseen count in every signed-in screen's header without marking anything seen", async () => {
		const list = vi.spyOn(api.notifications, "list").mockResolvedValue({ items: [], unseenCount: 3, page: 1, pageSize: 1, hasMore: true });
		renderWithApp(
			<HeaderActionsContext.Provider value={<NotificationBell />}>
				<Screen title="Practice">content</Screen>
			</HeaderActionsContext.Provider>,
			"/tabs/practice"
		);
		expect(await screen.findByLabelText("Notifications, 3 new")).toBeTruthy();
		expect(list).toHaveBeenCalledWith({ pageSize: 1, markSeen: false });
	});

	it("is absent from screens outside the signed-in tabs", () => {
		renderWithApp(<Screen title="Sign in">form</Screen>, "/login");
		expect(screen.queryByLabelText(/^Notifications/)).toBeNull();
	});
});

describe("the inbox", () => {
	it("lists notifications, marks one read when tapped and opens its screen", async () => {
		vi.spyOn(api.notifications, "list").mockResolvedValue({
			items: [notification({}), notification({ id: "n2", title: "Your recording is analysed", category: "analysis", link: { screen: "session", sessionId: "s9" }, readAt: "2026-12-01T09:00:00.000Z" })],
			unseenCount: 1,
			page: 1,
			pageSize: 50,
			hasMore: false
		});
		const markRead = vi.spyOn(api.notifications, "markRead").mockResolvedValue(notification({ readAt: "2026-12-01T10:01:00.000Z" }));
		renderWithApp(
			<>
				<Route exact path="/tabs/notifications" component={NotificationsPage} />
				<Route exact path="/tabs/practice" render={() => <p>Practice tab</p>} />
			</>,
			"/tabs/notifications"
		);
		fireEvent.click(await screen.findByText("Cello with Ms Lee"));
		await waitFor(() => expect(markRead).toHaveBeenCalledWith("n1"));
		await waitFor(() => expect(window.location.pathname).toBe("/tabs/practice"));
	});

	it("says so when there is nothing, and offers mark-all-read only with unread items", async () => {
		vi.spyOn(api.notifications, "list").mockResolvedValue({ items: [], unseenCount: 0, page: 1, pageSize: 50, hasMore: false });
		renderWithApp(<Route exact path="/tabs/notifications" component={NotificationsPage} />, "/tabs/notifications");
		expect(await screen.findByRole("status")).toHaveTextContent(/Nothing yet/);
		expect(screen.getByText("Mark all read").closest("ion-button")).toHaveAttribute("disabled");
	});

	it("links each kind to the screen of the person's role", () => {
		expect(routeOfNotification({ screen: "lessons" }, "teacher")).toBe("/tabs/lessons");
		expect(routeOfNotification({ screen: "lessons" }, "student")).toBe("/tabs/practice");
		expect(routeOfNotification({ screen: "session", sessionId: "s 1" }, "student")).toBe("/tabs/sessions/s%201");
		expect(routeOfNotification({ screen: "session", sessionId: "s1" }, "teacher")).toBeUndefined();
		expect(routeOfNotification({ screen: "community", postId: "p" }, "student")).toBeUndefined();
	});
});

describe("notification settings", () => {
	const preferences: NotificationPreferences = {
		categories: [
			{ category: "lesson_cancelled", locked: true, channels: { web: true, device: true } },
			{ category: "goal", locked: false, channels: { web: false, device: true } }
		],
		quietHours: null
	};

	it("shows categories × channels, locked ones always on, and saves one switch at a time", async () => {
		vi.spyOn(api.notifications, "preferences").mockResolvedValue(preferences);
		const save = vi.spyOn(api.notifications, "savePreferences").mockResolvedValue(preferences);
		renderWithApp(<Route exact path="/tabs/settings/notifications" component={NotificationSettingsPage} />, "/tabs/settings/notifications");
		const locked = await screen.findByLabelText("Lessons cancelled: Browser");
		expect(locked).toHaveAttribute("disabled");
		expect(screen.getByText("Always on")).toBeTruthy();
		const goalWeb = screen.getByLabelText("Weekly goals: Browser");
		expect((goalWeb as HTMLIonCheckboxElement).checked).toBe(false);
		fireEvent(goalWeb, new CustomEvent("ionChange", { detail: { checked: true } }));
		await waitFor(() => expect(save).toHaveBeenCalledWith({ switches: [{ category: "goal", channel: "web", enabled: true }] }));
	});

	it("asks for push permission only after a tap", async () => {
		vi.spyOn(api.notifications, "preferences").mockResolvedValue(preferences);
		const requestPermission = vi.fn(async () => "denied" as NotificationPermission);
		vi.stubGlobal("Notification", Object.assign(function Notification() {}, { permission: "default", requestPermission }));
		vi.stubGlobal("PushManager", function PushManager() {});
		Object.defineProperty(navigator, "serviceWorker", { configurable: true, value: { getRegistration: async () => undefined } });
		renderWithApp(<Route exact path="/tabs/settings/notifications" component={NotificationSettingsPage} />, "/tabs/settings/notifications");
		const turnOn = await screen.findByText("Turn on push");
		expect(requestPermission).not.toHaveBeenCalled();
		fireEvent.click(turnOn);
		await waitFor(() => expect(requestPermission).toHaveBeenCalledTimes(1));
		expect(await screen.findByText(/Notifications are blocked for Etude/)).toBeTruthy();
		vi.unstubAllGlobals();
		Reflect.deleteProperty(navigator, "serviceWorker");
	});
});
