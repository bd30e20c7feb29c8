import { IonBadge, IonButton, IonIcon } from "@ionic/react";
import { notificationsOutline } from "ionicons/icons";
import { useUnseenCount } from "../data/notification-queries";

/** The header's bell: how many notifications are new since the inbox was last opened. */
export function NotificationBell() {
	const { data: unseen = 0 } = useUnseenCount();
	const label = unseen === 0 ? "Notifications" : `Notifications, ${unseen} new`;
	return (
		<IonButton routerLink="/tabs/notifications" aria-label={label} title={label} className="etude-bell">
			<IonIcon slot="icon-only" icon={notificationsOutline} aria-hidden="true" />
			{unseen > 0 && (
				<IonBadge color="danger" aria-hidden="true" className="etude-bell-count">
					{unseen > 99 ? "99+" : unseen}
				</IonBadge>
			)}
		</IonButton>
	);
}
