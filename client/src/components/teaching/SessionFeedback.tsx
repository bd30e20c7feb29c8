import {
	IonButton,
	IonItem,
	IonLabel,
	IonList,
	IonListHeader,
	IonRadio,
	IonRadioGroup,
	IonTextarea
} from "@ionic/react";
import { useState } from "react";
import { useAddSessionNote, useSessionFeedback } from "../../data/teaching-queries";
import { ErrorNote } from "../ErrorNote";
import { SessionNote } from "./FeedbackThread";

const RATINGS = [1, 2, 3, 4, 5] as const;

function SessionNoteForm({ sessionId }: { sessionId: string }) {
	const addNote = useAddSessionNote(sessionId);
	const [text, setText] = useState("");
	const [rating, setRating] = useState<number | undefined>();
	return (
		<form
			aria-label="Note on this session"
			onSubmit={(event) => {
				event.preventDefault();
				addNote.mutate(
					{ text: text.trim(), ...(rating ? { rating } : {}) },
					{
						onSuccess: () => {
							setText("");
							setRating(undefined);
						}
					}
				);
			}}
		>
			<IonItem>
				<IonTextarea
					label="Note on this session"
					labelPlacement="stacked"
					autoGrow
					maxlength={4000}
					value={text}
					onIonInput={(event) => setText(event.detail.value ?? "")}
				/>
			</IonItem>
			<IonRadioGroup
				className="etude-rating"
				aria-label="Your rating of the session (1 to 5)"
				allowEmptySelection
				value={rating}
				onIonChange={(event) => setRating(event.detail.value as number | undefined)}
			>
				{RATINGS.map((value) => (
					<IonRadio key={value} value={value} labelPlacement="end" aria-label={`Rate the session ${value} of 5`}>
						{value}★
					</IonRadio>
				))}
			</IonRadioGroup>
			<IonButton type="submit" expand="block" className="ion-margin" disabled={!text.trim() || addNote.isPending}>
				Add note
			</IonButton>
			<ErrorNote error={addNote.error} />
		</form>
	);
}

/** Teachers' notes on the whole session, with replies; a linked teacher also writes one. */
export function SessionFeedback({ sessionId, canWrite }: { sessionId: string; canWrite: boolean }) {
	const feedback = useSessionFeedback(sessionId);
	const notes = feedback.data?.items ?? [];
	return (
		<section aria-label="Feedback on the session">
			<IonList>
				<IonListHeader>Feedback on the session</IonListHeader>
				{feedback.data && notes.length === 0 && (
					<IonItem lines="none">
						<IonLabel>No notes on this session yet.</IonLabel>
					</IonItem>
				)}
				{notes.map((note) => (
					<SessionNote key={note.id} note={note} />
				))}
			</IonList>
			<ErrorNote error={feedback.error} />
			{canWrite && <SessionNoteForm sessionId={sessionId} />}
		</section>
	);
}
