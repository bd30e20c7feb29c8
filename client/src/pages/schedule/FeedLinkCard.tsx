import { IonButton, IonItem, IonLabel, IonList, IonListHeader, IonNote } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../../components/ErrorNote";
import { useCreateFeedLink, useFeedToken, useRevokeFeedLink } from "../../data/schedule-queries";
import { formatDateTime } from "../../util/format";

/**
 * The calendar feed link: made (or replaced) on request and shown once, since the server keeps
 * only a hash of it. Replacing it stops the old link in every calendar that subscribed to it.
 */
export function FeedLinkCard() {
	const status = useFeedToken();
	const create = useCreateFeedLink();
	const revoke = useRevokeFeedLink();
	const [copied, setCopied] = useState(false);
	const link = create.data;
	const active = status.data?.active ?? false;

	async function copy(url: string) {
		await navigator.clipboard?.writeText(url);
		setCopied(true);
	}

	return (
		<IonList aria-label="Calendar feed">
			<IonListHeader>Calendar feed</IonListHeader>
			{link ? (
				<IonItem lines="none">
					<IonLabel className="ion-text-wrap">
						<p>Subscribe to this link in your calendar app. Keep it private: anyone with it sees your lessons.</p>
						<code className="etude-feed-url">{link.url}</code>
					</IonLabel>
				</IonItem>
			) : (
				<IonItem lines="none">
					<IonLabel className="ion-text-wrap" color="medium">
						{active
							? `Your calendar link works (made ${formatDateTime(status.data!.createdAt!)}). It is shown only when made: get a new one to copy it again.`
							: "Your lessons can appear in Google, Apple or Outlook calendars through a private link."}
					</IonLabel>
				</IonItem>
			)}
			<div className="ion-padding-horizontal">
				{link && (
					<>
						<IonButton size="small" onClick={() => void copy(link.url)}>
							Copy link
						</IonButton>
						<IonButton size="small" fill="outline" href={link.webcalUrl}>
							Open in calendar app
						</IonButton>
					</>
				)}
				<IonButton size="small" fill="outline" disabled={create.isPending} onClick={() => create.mutate()}>
					{active || link ? "Get a new link" : "Make a calendar link"}
				</IonButton>
				{(active || link) && (
					<IonButton size="small" fill="clear" color="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(undefined, { onSuccess: () => create.reset() })}>
						Stop the link
					</IonButton>
				)}
			</div>
			{copied && (
				<IonNote role="status" className="ion-padding-horizontal ion-display-block">
					Link copied.
				</IonNote>
			)}
			<ErrorNote error={status.error ?? create.error ?? revoke.error} />
		</IonList>
	);
}
