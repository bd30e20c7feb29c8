import { IonButton } from "@ionic/react";
import { useState } from "react";
import { currentAppUpdates, useAppUpdate, type AppUpdates } from "../../data/app-updates";
import "./UpdateOffer.css";

interface UpdateOfferProps {
	/** Tests pass their own; the app uses the watcher started in main.tsx. */
	updates?: AppUpdates | null;
}

/**
 * A quiet banner offering a new version of the web app. It is only shown while nothing a reload would cut short
 * (a recording, an upload) is in progress, and the new version loads only when the person asks for it.
 */
export function UpdateOffer({ updates = currentAppUpdates() }: UpdateOfferProps) {
	const { updateReady, reloadSafe } = useAppUpdate(updates);
	const [dismissed, setDismissed] = useState(false);
	if (!updates || !updateReady || !reloadSafe || dismissed) return null;
	return (
		<aside className="etude-update-offer" role="status" aria-label="Update available">
			<p>A new version of Etude is ready.</p>
			<IonButton size="small" fill="clear" onClick={() => setDismissed(true)}>
				Later
			</IonButton>
			<IonButton size="small" onClick={() => updates.apply()}>
				Update now
			</IonButton>
		</aside>
	);
}
