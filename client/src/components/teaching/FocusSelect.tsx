import { IonItem, IonSelect, IonSelectOption } from "@ionic/react";
import { FOCUS_LABELS, FOCUS_VALUES, type Focus } from "../../models/session";

/** A practice focus, or any (null): for goals, assignments and tags. */
export function FocusSelect({
	label,
	value,
	onChange
}: {
	label: string;
	value: Focus | null;
	onChange: (focus: Focus | null) => void;
}) {
	return (
		<IonItem>
			<IonSelect
				label={label}
				labelPlacement="stacked"
				interface="popover"
				value={value ?? "any"}
				onIonChange={(event) => onChange(event.detail.value === "any" ? null : (event.detail.value as Focus))}
			>
				<IonSelectOption value="any">Any focus</IonSelectOption>
				{FOCUS_VALUES.map((focus) => (
					<IonSelectOption key={focus} value={focus}>
						{FOCUS_LABELS[focus]}
					</IonSelectOption>
				))}
			</IonSelect>
		</IonItem>
	);
}
