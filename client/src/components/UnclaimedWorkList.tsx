import { IonButton, IonItem, IonLabel, IonList, IonListHeader, IonNote, useIonAlert } from "@ionic/react";
import type { UnclaimedWork } from "../data/sync-context";
import { FOCUS_LABELS } from "../models/session";
import { sessionTimeText } from "./QueuedSessionItem";

function describeWork({ entry, recording }: UnclaimedWork): { title: string; details: string } {
	const recordingText = recording
		? [
				recording.videoBytes !== null ? `${(recording.videoBytes / 1_000_000).toFixed(1)} MB of video` : null,
				recording.sensorSamples !== null ? `${recording.sensorSamples} motion samples` : null
			]
				.filter(Boolean)
				.join(", ")
		: null;
	if (!entry) return { title: "A recording", details: recordingText ?? "" };
	const when = sessionTimeText(entry.session);
	return {
		title: FOCUS_LABELS[entry.session.focus],
		details: recordingText ? `${when} · with ${recordingText}` : when
	};
}

interface UnclaimedWorkListProps {
	work: UnclaimedWork[];
	/** The signed-in person's name; unknown when the app started offline. */
	accountName: string | undefined;
	onClaim: (sessionId: string) => void;
	onDiscard: (sessionId: string) => void;
}

/**
 * Sessions and recordings an earlier version kept without noting whose they were. Nothing of them is uploaded
 * until the person signed in confirms one is theirs; the note is not shown, as it may be private.
 */
export function UnclaimedWorkList({ work, accountName, onClaim, onDiscard }: UnclaimedWorkListProps) {
	const [presentAlert] = useIonAlert();
	if (work.length === 0) return null;

	function confirmClaim(sessionId: string) {
		void presentAlert({
			header: "Is this yours?",
			message: `Only claim it if you practised it yourself: it will be uploaded to ${accountName ? `${accountName}'s` : "your"} account.`,
			buttons: [
				{ text: "Cancel", role: "cancel" },
				{ text: "Yes, it's mine", handler: () => onClaim(sessionId) }
			]
		});
	}

	function confirmDiscard(sessionId: string) {
		void presentAlert({
			header: "Discard it?",
			message: "It is deleted from this device for everyone, and cannot be uploaded afterwards.",
			buttons: [
				{ text: "Keep it", role: "cancel" },
				{ text: "Discard", role: "destructive", handler: () => onDiscard(sessionId) }
			]
		});
	}

	return (
		<IonList aria-label="Saved on this device without an account">
			<IonListHeader>Whose are these?</IonListHeader>
			<IonItem lines="none">
				<IonNote className="ion-text-wrap">
					An earlier version of Etude kept these on this device without noting who they belong to, so they have not been
					uploaded. Claim the ones you practised; leave the others for their owner to claim, or discard them.
				</IonNote>
			</IonItem>
			{work.map((item) => {
				const { title, details } = describeWork(item);
				return (
					<IonItem key={item.sessionId} data-unclaimed-id={item.sessionId}>
						<IonLabel className="ion-text-wrap">
							<h3>{title}</h3>
							<p>{details}</p>
							<IonButton size="small" fill="outline" onClick={() => confirmClaim(item.sessionId)}>
								It's mine
							</IonButton>
							<IonButton size="small" fill="clear" color="danger" onClick={() => confirmDiscard(item.sessionId)}>
								Discard
							</IonButton>
						</IonLabel>
					</IonItem>
				);
			})}
		</IonList>
	);
}
