import { IonButton, IonTextarea } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../ErrorNote";

/** A markdown box and its send button; it empties once the server took the text. */
export function ReplyForm({ label, submitLabel, onSubmit }: { label: string; submitLabel: string; onSubmit: (body: string) => Promise<unknown> }) {
	const [body, setBody] = useState("");
	const [error, setError] = useState<unknown>(null);
	const [sending, setSending] = useState(false);
	async function send() {
		setSending(true);
		setError(null);
		try {
			await onSubmit(body);
			setBody("");
		} catch (problem) {
			setError(problem);
		} finally {
			setSending(false);
		}
	}
	return (
		<form
			onSubmit={(event) => {
				event.preventDefault();
				void send();
			}}
		>
			<IonTextarea label={label} labelPlacement="stacked" autoGrow value={body} onIonInput={(event) => setBody(event.detail.value ?? "")} />
			<ErrorNote error={error} />
			<IonButton type="submit" size="small" disabled={sending || body.trim().length < 2}>
				{submitLabel}
			</IonButton>
		</form>
	);
}
