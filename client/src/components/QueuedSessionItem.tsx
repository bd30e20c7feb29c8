import { IonButton, IonItem, IonLabel, IonNote, useIonAlert } from "@ionic/react";
import { describeCode } from "../data/error-messages";
import type { UploadStatus } from "../models/recording";
import { FOCUS_LABELS, type NewPracticeSession } from "../models/session";
import type { QueuedSession } from "../models/sync";
import { formatDateTime, formatMinutes, minutesBetween } from "../util/format";
import { SyncStatusBadge } from "./SyncStatusBadge";
import { UploadProgress } from "./UploadProgress";

/** "26 Nov 2026, 08:00 · 15 min" */
export function sessionTimeText(session: NewPracticeSession): string {
	return `${formatDateTime(session.startedAt)} · ${formatMinutes(minutesBetween(session.startedAt, session.endedAt))}`;
}

/** The server's own words for a refusal, else the app's words for its code. */
export function rejectionReason(entry: QueuedSession): string {
	return entry.lastErrorMessage ?? describeCode(entry.lastErrorCode ?? "");
}

interface QueuedSessionItemProps {
	entry: QueuedSession;
	uploads: UploadStatus[];
	onRetry: (sessionId: string) => void;
	onDiscard: (sessionId: string) => void;
}

/** A session still on this device; one the server refused says why and offers to send it again or discard it. */
export function QueuedSessionItem({ entry, uploads, onRetry, onDiscard }: QueuedSessionItemProps) {
	const [presentAlert] = useIonAlert();
	const { session } = entry;
	const refused = entry.state === "failed";

	function confirmDiscard() {
		void presentAlert({
			header: "Discard this session?",
			message: "It never reached your account. It is deleted from this device, with its recording if it has one.",
			buttons: [
				{ text: "Keep it", role: "cancel" },
				{ text: "Discard", role: "destructive", handler: () => onDiscard(session.id) }
			]
		});
	}

	return (
		<IonItem data-session-id={session.id}>
			<IonLabel className="ion-text-wrap">
				<h3>{FOCUS_LABELS[session.focus]}</h3>
				<p>{sessionTimeText(session)}</p>
				<UploadProgress statuses={uploads} />
				{refused && (
					<>
						<IonNote color="danger" className="ion-display-block" data-error-code={entry.lastErrorCode ?? undefined}>
							Not accepted by the server: {rejectionReason(entry)}
							{entry.lastErrorCode && <span className="etude-error-code"> ({entry.lastErrorCode})</span>}
						</IonNote>
						<IonButton size="small" fill="outline" onClick={() => onRetry(session.id)}>
							Try again
						</IonButton>
						<IonButton size="small" fill="clear" color="danger" onClick={confirmDiscard}>
							Discard
						</IonButton>
					</>
				)}
			</IonLabel>
			<SyncStatusBadge state={entry.state} />
		</IonItem>
	);
}
