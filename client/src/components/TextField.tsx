import { IonInput, IonItem, IonNote } from "@ionic/react";
import type { ComponentProps, ReactNode } from "react";

type InputProps = ComponentProps<typeof IonInput>;

interface TextFieldProps extends Omit<InputProps, "value" | "onIonInput" | "label"> {
	label: string;
	value: string;
	onValueChange: (value: string) => void;
	/** A problem with this field, shown under it. */
	problem?: string;
	/** A button beside the input, such as "Save". */
	action?: ReactNode;
}

/** A labelled input in a list row, with its problem (if any) announced under it. */
export function TextField({ label, value, onValueChange, problem, action, ...inputProps }: TextFieldProps) {
	return (
		<>
			<IonItem>
				<IonInput
					{...inputProps}
					label={label}
					labelPlacement="stacked"
					value={value}
					onIonInput={(event) => onValueChange(event.detail.value ?? "")}
				/>
				{action}
			</IonItem>
			{problem && (
				<IonNote color="danger" className="ion-padding-start ion-display-block" role="alert">
					{problem}
				</IonNote>
			)}
		</>
	);
}
