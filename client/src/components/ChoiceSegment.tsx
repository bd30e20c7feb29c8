import { IonLabel, IonSegment, IonSegmentButton } from "@ionic/react";

interface ChoiceSegmentProps<Value extends string> {
	/** The segment's accessible name. */
	label: string;
	value: Value;
	choices: ReadonlyArray<{ value: Value; label: string }>;
	onChange: (value: Value) => void;
}

/** One of a few named choices, as a segment; an empty selection (Ionic sends one) keeps the current choice. */
export function ChoiceSegment<Value extends string>({ label, value, choices, onChange }: ChoiceSegmentProps<Value>) {
	return (
		<IonSegment aria-label={label} value={value} onIonChange={(event) => onChange((event.detail.value as Value | undefined) ?? value)}>
			{choices.map((choice) => (
				<IonSegmentButton key={choice.value} value={choice.value}>
					<IonLabel>{choice.label}</IonLabel>
				</IonSegmentButton>
			))}
		</IonSegment>
	);
}
