import { IonItem, IonLabel, IonList, IonNote, IonSpinner } from "@ionic/react";
import { useState } from "react";
import { QueueEntryCard, queueSubject } from "../../components/community/QueueEntryCard";
import { ErrorNote } from "../../components/ErrorNote";
import { Screen } from "../../components/Screen";
import { useAuth } from "../../data/auth-context";
import { useDecide, useForumStanding, useModerationLog, useModerationQueue } from "../../data/community-queries";
import type { ModerationLogEntry } from "../../models/community";
import { formatDateTime } from "../../util/format";

/** What the log says was done to an item ("a post", "the post “…”"). */
const ACTION_LABELS: Record<ModerationLogEntry["action"], (item: string) => string> = {
	approve: (item) => `Approved ${item}`,
	delete: (item) => `Deleted ${item}`,
	silence: (item) => `Silenced the author of ${item}`,
	ban: (item) => `Banned the author of ${item}`,
	auto_hide: (item) => `Hid ${item}`,
	appoint_moderator: () => "Appointed a moderator"
};

function whoDid(entry: ModerationLogEntry, myUserId: string | undefined): string {
	if (entry.moderatorId === null) return entry.action === "auto_hide" ? "automatically" : "by the system";
	return entry.moderatorId === myUserId ? "by you" : "by a moderator";
}

/** The moderators' review queue (pending, hidden and flagged items, heaviest flags first) beside the log of what was decided. */
export default function ModerationPage() {
	const { user } = useAuth();
	const standing = useForumStanding();
	const isModerator = standing.data?.isModerator ?? false;
	const queue = useModerationQueue(isModerator);
	const log = useModerationLog(isModerator);
	const decide = useDecide();
	// Said after the decision: by then the item has left the queue.
	const [lastDecision, setLastDecision] = useState<string | null>(null);
	return (
		<Screen title="Moderation" backHref="/tabs/community" wide>
			{standing.isPending && <IonSpinner aria-label="Loading" />}
			<ErrorNote error={standing.error} />
			{standing.data && !isModerator && (
				<p className="ion-padding" role="status">
					Only community moderators can see the review queue.
				</p>
			)}
			{isModerator && (
				<div className="etude-moderation ion-padding-horizontal">
					<section aria-label="Review queue">
						<h2>Review queue</h2>
						<p role="status">
							{lastDecision && `${lastDecision}. `}
							{queue.isSuccess && (queue.data.length === 0 ? "Nothing waits for review." : `${queue.data.length} waiting.`)}
						</p>
						{queue.isPending && <IonSpinner aria-label="Loading the queue" />}
						<ErrorNote error={queue.error} />
						<ul aria-label="Queued posts and comments" style={{ padding: 0 }}>
							{queue.data?.map((entry) => (
								<QueueEntryCard
									key={`${entry.itemType}-${entry.itemId}`}
									entry={entry}
									busy={decide.isPending}
									error={decide.variables?.itemId === entry.itemId ? decide.error : null}
									onDecide={(action, note) => {
										setLastDecision(null);
										decide.mutate(
											{ itemType: entry.itemType, itemId: entry.itemId, action, note },
											{ onSuccess: () => setLastDecision(ACTION_LABELS[action](`the ${queueSubject(entry)}`)) }
										);
									}}
								/>
							))}
						</ul>
					</section>
					<section aria-label="Moderation log">
						<h2>Moderation log</h2>
						{log.isPending && <IonSpinner aria-label="Loading the log" />}
						<ErrorNote error={log.error} />
						{log.isSuccess && log.data.length === 0 && <p role="status">Nothing has been decided yet.</p>}
						<IonList aria-label="Moderator actions">
							{log.data?.map((entry) => (
								<IonItem key={entry.id} routerLink={entry.itemType === "post" && entry.itemId ? `/tabs/community/${entry.itemId}` : undefined} detail={entry.itemType === "post"}>
									<IonLabel className="ion-text-wrap">
										<h3>{ACTION_LABELS[entry.action](entry.itemType === "comment" ? "a comment" : "a post")}</h3>
										{entry.note && <p>“{entry.note}”</p>}
										<IonNote>
											{formatDateTime(entry.createdAt)} · {whoDid(entry, user?.id)}
										</IonNote>
									</IonLabel>
								</IonItem>
							))}
						</IonList>
					</section>
				</div>
			)}
		</Screen>
	);
}
