import { IonButton, IonItem, IonLabel, IonTextarea } from "@ionic/react";
import { useState } from "react";
import { useReply } from "../../data/teaching-queries";
import type { FeedbackItem } from "../../models/teaching";
import { formatDateTime } from "../../util/format";
import { ErrorNote } from "../ErrorNote";

/** The server renders the light markdown and sanitises the result (lib/markdown.ts), so it is shown as given. */
export function FeedbackText({ item }: { item: FeedbackItem }) {
	return <div className="etude-feedback-html" dangerouslySetInnerHTML={{ __html: item.html }} />;
}

/** Replies under a pin or a session note, and a box to add one (one level: replies are not replied to). */
export function FeedbackReplies({ item }: { item: FeedbackItem }) {
	const reply = useReply();
	const [text, setText] = useState("");
	return (
		<div className="ion-padding-start">
			{item.replies.map((answer) => (
				<IonItem key={answer.id} lines="none">
					<IonLabel className="ion-text-wrap">
						<p>
							{answer.author.name} · {formatDateTime(answer.createdAt)}
						</p>
						<FeedbackText item={answer} />
					</IonLabel>
				</IonItem>
			))}
			<IonItem lines="none">
				<IonTextarea
					label={`Reply to ${item.author.name}`}
					labelPlacement="stacked"
					autoGrow
					maxlength={4000}
					value={text}
					onIonInput={(event) => setText(event.detail.value ?? "")}
				/>
				<IonButton
					slot="end"
					fill="clear"
					disabled={!text.trim() || reply.isPending}
					onClick={() => reply.mutate({ feedbackId: item.id, text: text.trim() }, { onSuccess: () => setText("") })}
				>
					Send reply
				</IonButton>
			</IonItem>
			<ErrorNote error={reply.error} />
		</div>
	);
}

/** A session note: who wrote it, the rating if any, the text and its replies. */
export function SessionNote({ note }: { note: FeedbackItem }) {
	return (
		<article aria-label={`Note from ${note.author.name}`}>
			<IonItem lines="none">
				<IonLabel className="ion-text-wrap">
					<p>
						{note.author.name} · {formatDateTime(note.createdAt)}
						{note.rating ? ` · ${"★".repeat(note.rating)} (${note.rating} of 5)` : ""}
					</p>
					<FeedbackText item={note} />
				</IonLabel>
			</IonItem>
			<FeedbackReplies item={note} />
		</article>
	);
}
