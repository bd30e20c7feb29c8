import { IonButton, IonItem, IonLabel, IonList, IonNote, IonSpinner } from "@ionic/react";
import { useEffect } from "react";
import { useHistory, useLocation } from "react-router-dom";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { useAuth } from "../data/auth-context";
import { useInbox, useMarkRead, useReadAll } from "../data/notification-queries";
import type { AppNotification } from "../models/notification";
import { formatDateTime } from "../util/format";
import { routeOfNotification } from "../util/notification-links";

/** The inbox: opening it marks everything seen (the bell drops to 0); a tap marks one read and opens it. */
export default function NotificationsPage() {
	const { user } = useAuth();
	const history = useHistory();
	const location = useLocation();
	const inbox = useInbox();
	const markRead = useMarkRead();
	const readAll = useReadAll();
	const items = inbox.data?.items ?? [];

	function open(notification: AppNotification) {
		if (!notification.readAt) markRead.mutate(notification.id);
		const route = user ? routeOfNotification(notification.link, user.role) : undefined;
		if (route) history.push(route);
	}

	// A tapped push opens the inbox on its notification (client/src/sw.ts): it is read, and opened.
	const opened = new URLSearchParams(location.search).get("open");
	const pushed = items.find((item) => item.id === opened);
	useEffect(() => {
		if (!pushed) return;
		history.replace("/tabs/notifications");
		open(pushed);
		// eslint-disable-next-line react-hooks/exhaustive-deps -- once per tapped push
	}, [pushed?.id]);

	return (
		<Screen title="Notifications" backHref="/tabs">
			<div className="ion-padding-horizontal ion-padding-top">
				<IonButton fill="outline" size="small" disabled={!items.some((item) => !item.readAt) || readAll.isPending} onClick={() => readAll.mutate()}>
					Mark all read
				</IonButton>
				<IonButton fill="clear" size="small" routerLink="/tabs/settings/notifications">
					Settings
				</IonButton>
			</div>
			{inbox.isPending && <IonSpinner aria-label="Loading notifications" />}
			<ErrorNote error={inbox.error ?? markRead.error ?? readAll.error} />
			{inbox.isSuccess && items.length === 0 && (
				<p className="ion-padding" role="status">
					Nothing yet. Lesson reminders, feedback and analysis results show up here.
				</p>
			)}
			<IonList aria-label="Notifications">
				{items.map((notification) => (
					<IonItem key={notification.id} button detail={false} onClick={() => open(notification)} data-unread={notification.readAt ? undefined : "true"}>
						<IonLabel className="ion-text-wrap">
							<h3 style={{ fontWeight: notification.readAt ? 400 : 700 }}>
								{!notification.readAt && <span aria-label="Unread">● </span>}
								{notification.title}
							</h3>
							<p>{notification.body}</p>
						</IonLabel>
						<IonNote slot="end">{formatDateTime(notification.createdAt)}</IonNote>
					</IonItem>
				))}
			</IonList>
		</Screen>
	);
}
