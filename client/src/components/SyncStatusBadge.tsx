import { IonBadge } from "@ionic/react";
import type { SyncState } from "../models/sync";

const LABELS: Record<SyncState, { text: string; color: string }> = {
	waiting: { text: "Waiting to sync", color: "medium" },
	syncing: { text: "Syncing…", color: "warning" },
	done: { text: "Synced", color: "success" },
	failed: { text: "Not synced", color: "danger" }
};

export function SyncStatusBadge({ state }: { state: SyncState }) {
	const { text, color } = LABELS[state];
	return (
		<IonBadge color={color} data-sync-state={state} aria-label={`Sync status: ${text}`}>
			{text}
		</IonBadge>
	);
}
