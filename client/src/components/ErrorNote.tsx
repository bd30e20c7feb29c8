import { IonNote } from "@ionic/react";
import { describeError } from "../data/error-messages";

/** An API or app error in the student's words, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
	if (!error) return null;
	return (
		<IonNote color="danger" role="alert" className="ion-padding-horizontal ion-display-block">
			{describeError(error)}
		</IonNote>
	);
}
