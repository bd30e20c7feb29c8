import { IonButton } from "@ionic/react";

/** The end of an item's edit form: save, and cancel when the form edits an existing item. */
export function FormActions({ submitLabel, submitDisabled, onCancel }: { submitLabel: string; submitDisabled: boolean; onCancel?: () => void }) {
	return (
		<>
			<IonButton type="submit" expand="block" className="ion-margin" disabled={submitDisabled}>
				{submitLabel}
			</IonButton>
			{onCancel && (
				<IonButton expand="block" fill="clear" onClick={onCancel}>
					Cancel
				</IonButton>
			)}
		</>
	);
}

/** Edit and Delete at the end of a list item; `subject` finishes their spoken names ("Edit tag Scales"). */
export function EditDeleteButtons({ subject, onEdit, onDelete }: { subject: string; onEdit: () => void; onDelete: () => void }) {
	return (
		<>
			<IonButton slot="end" fill="clear" onClick={onEdit} aria-label={`Edit ${subject}`}>
				Edit
			</IonButton>
			<IonButton slot="end" fill="clear" color="danger" onClick={onDelete} aria-label={`Delete ${subject}`}>
				Delete
			</IonButton>
		</>
	);
}
