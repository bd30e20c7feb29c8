import { IonButton } from "@ionic/react";
import { useState } from "react";

interface ConfirmButtonProps {
	/** The button's accessible name ("Delete this question"); its text is `label`. */
	name: string;
	label: string;
	/** Asked before acting, e.g. "Delete this question?". */
	question: string;
	confirmLabel: string;
	disabled?: boolean;
	onConfirm: () => void;
}

/** A button for what cannot be undone: it asks once more, in place, before it acts. */
export function ConfirmButton({ name, label, question, confirmLabel, disabled, onConfirm }: ConfirmButtonProps) {
	const [asking, setAsking] = useState(false);
	if (!asking) {
		return (
			<IonButton fill="clear" size="small" color="danger" aria-label={name} disabled={disabled} onClick={() => setAsking(true)}>
				{label}
			</IonButton>
		);
	}
	return (
		<span role="group" aria-label={question}>
			<span>{question}</span>
			<IonButton
				size="small"
				color="danger"
				disabled={disabled}
				onClick={() => {
					setAsking(false);
					onConfirm();
				}}
			>
				{confirmLabel}
			</IonButton>
			<IonButton fill="clear" size="small" onClick={() => setAsking(false)}>
				Keep it
			</IonButton>
		</span>
	);
}
