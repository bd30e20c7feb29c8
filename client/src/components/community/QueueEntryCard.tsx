import { IonButton, IonItem, IonNote, IonTextarea } from "@ionic/react";
import { useState } from "react";
import type { ModerationDecision, QueueEntry } from "../../models/community";
import { formatDateTime } from "../../util/format";
import { ErrorNote } from "../ErrorNote";
import { flagReasonLabel } from "./flag-reasons";

/** community-moderation.service.ts SILENCE_DAYS. */
const SILENCE_DAYS = 7;

const STATUS_LABELS: Record<QueueEntry["status"], string> = {
	pending: "Waiting for review (a new member's post with a link)",
	hidden: "Hidden",
	visible: "Visible, flagged",
	deleted: "Deleted"
};

/** What a moderator reads before deciding; the name of the item's controls and regions. */
export function queueSubject(entry: QueueEntry): string {
	return entry.itemType === "post" ? `post “${entry.title}”` : `comment by ${entry.authorName ?? "a former member"}`;
}

interface QueueEntryCardProps {
	entry: QueueEntry;
	busy: boolean;
	/** The server's refusal of a decision on this entry. */
	error: unknown;
	onDecide: (action: ModerationDecision, note: string) => void;
}

/** One queued post or comment: its text, its open flags, and the four decisions; silence and ban ask for a reason first. */
export function QueueEntryCard({ entry, busy, error, onDecide }: QueueEntryCardProps) {
	const [confirming, setConfirming] = useState<"silence" | "ban" | null>(null);
	const [reason, setReason] = useState("");
	const subject = queueSubject(entry);
	const author = entry.authorName ?? "a former member";

	function startConfirming(action: "silence" | "ban") {
		setReason("");
		setConfirming(action);
	}

	return (
		<li style={{ listStyle: "none" }}>
			<article aria-label={`Queued ${subject}`} className="ion-padding-vertical">
				<h3>{entry.itemType === "post" ? entry.title : `Comment by ${author}`}</h3>
				<IonNote>
					{STATUS_LABELS[entry.status]} · {entry.itemType === "post" ? `by ${author} · ` : ""}
					{formatDateTime(entry.createdAt)} · flags weigh {entry.flagWeight}
				</IonNote>
				<p style={{ whiteSpace: "pre-wrap" }}>{entry.markdown}</p>
				{entry.flags.length > 0 && (
					<ul aria-label={`Flags on ${subject}`}>
						{entry.flags.map((flag) => (
							<li key={`${flag.createdAt}-${flag.reason}-${flag.weight}`}>
								{flagReasonLabel(flag.reason)} (weight {flag.weight}){flag.note ? `: “${flag.note}”` : ""} · {formatDateTime(flag.createdAt)}
							</li>
						))}
					</ul>
				)}
				<div>
					<IonButton size="small" fill="clear" routerLink={`/tabs/community/${entry.postId}`} aria-label={entry.itemType === "post" ? `Open the ${subject}` : `Open the post with the ${subject}`}>
						Open
					</IonButton>
					<IonButton size="small" disabled={busy} aria-label={`Approve ${subject}`} onClick={() => onDecide("approve", "")}>
						Approve
					</IonButton>
					<IonButton size="small" color="danger" disabled={busy} aria-label={`Delete ${subject}`} onClick={() => onDecide("delete", "")}>
						Delete
					</IonButton>
					{entry.authorId && (
						<>
							<IonButton size="small" color="warning" disabled={busy} aria-label={`Silence ${author}`} aria-expanded={confirming === "silence"} onClick={() => startConfirming("silence")}>
								Silence author
							</IonButton>
							<IonButton size="small" color="danger" fill="outline" disabled={busy} aria-label={`Ban ${author}`} aria-expanded={confirming === "ban"} onClick={() => startConfirming("ban")}>
								Ban author
							</IonButton>
						</>
					)}
				</div>
				{confirming && (
					<form
						aria-label={confirming === "ban" ? `Ban ${author}` : `Silence ${author}`}
						onSubmit={(event) => {
							event.preventDefault();
							onDecide(confirming, reason.trim());
							setConfirming(null);
						}}
					>
						<p>
							{confirming === "ban"
								? `${author} will not be able to sign in any more, and this ${entry.itemType} is deleted.`
								: `${author} cannot post for ${SILENCE_DAYS} days, and this ${entry.itemType} is hidden.`}
						</p>
						<IonItem>
							<IonTextarea label="Reason (kept in the moderation log)" labelPlacement="stacked" autoGrow maxlength={500} value={reason} onIonInput={(event) => setReason(event.detail.value ?? "")} />
						</IonItem>
						<IonButton type="submit" size="small" color="danger" disabled={busy || !reason.trim()}>
							{confirming === "ban" ? "Confirm the ban" : "Confirm the silence"}
						</IonButton>
						<IonButton fill="clear" size="small" onClick={() => setConfirming(null)}>
							Cancel
						</IonButton>
					</form>
				)}
				<ErrorNote error={error} />
			</article>
		</li>
	);
}
