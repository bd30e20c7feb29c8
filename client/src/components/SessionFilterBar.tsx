import { IonCol, IonGrid, IonRow, IonSelect, IonSelectOption } from "@ionic/react";
import { FOCUS_LABELS, FOCUS_VALUES, type Focus, type SessionFilter } from "../models/session";
import type { Tag } from "../models/tag";

const ALL = "all";

interface FilterSelectProps {
	label: string;
	value: string | undefined;
	options: Array<{ value: string; label: string }>;
	/** undefined for "All" */
	onChange: (value: string | undefined) => void;
}

function FilterSelect({ label, value, options, onChange }: FilterSelectProps) {
	return (
		<IonSelect
			label={label}
			labelPlacement="stacked"
			interface="popover"
			value={value ?? ALL}
			onIonChange={(event) => onChange(event.detail.value === ALL ? undefined : String(event.detail.value))}
		>
			{[{ value: ALL, label: "All" }, ...options].map((option) => (
				<IonSelectOption key={option.value} value={option.value}>
					{option.label}
				</IonSelectOption>
			))}
		</IonSelect>
	);
}

const FOCUS_OPTIONS = FOCUS_VALUES.map((focus) => ({ value: focus, label: FOCUS_LABELS[focus] }));

interface SessionFilterBarProps {
	filter: SessionFilter;
	tags: Tag[];
	onChange: (filter: SessionFilter) => void;
}

export function SessionFilterBar({ filter, tags, onChange }: SessionFilterBarProps) {
	return (
		<IonGrid>
			<IonRow>
				<IonCol size="6">
					<FilterSelect
						label="Show focus"
						value={filter.focus}
						options={FOCUS_OPTIONS}
						onChange={(focus) => onChange({ ...filter, focus: focus as Focus | undefined })}
					/>
				</IonCol>
				<IonCol size="6">
					<FilterSelect
						label="Show tag"
						value={filter.tagId}
						options={tags.map((tag) => ({ value: tag.id, label: tag.name }))}
						onChange={(tagId) => onChange({ ...filter, tagId })}
					/>
				</IonCol>
			</IonRow>
		</IonGrid>
	);
}
