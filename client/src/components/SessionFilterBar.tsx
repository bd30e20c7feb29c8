import { IonCol, IonGrid, IonRow, IonSelect, IonSelectOption } from "@ionic/react";
import { FOCUS_LABELS, FOCUS_VALUES, type Focus, type SessionFilter } from "../models/session";
import type { Tag } from "../models/tag";

const ALL = "all";

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
					<IonSelect
						label="Show focus"
						labelPlacement="stacked"
						interface="popover"
						value={filter.focus ?? ALL}
						onIonChange={(event) =>
							onChange({ ...filter, focus: event.detail.value === ALL ? undefined : (event.detail.value as Focus) })
						}
					>
						<IonSelectOption value={ALL}>All</IonSelectOption>
						{FOCUS_VALUES.map((focus) => (
							<IonSelectOption key={focus} value={focus}>
								{FOCUS_LABELS[focus]}
							</IonSelectOption>
						))}
					</IonSelect>
				</IonCol>
				<IonCol size="6">
					<IonSelect
						label="Show tag"
						labelPlacement="stacked"
						interface="popover"
						value={filter.tagId ?? ALL}
						onIonChange={(event) =>
							onChange({ ...filter, tagId: event.detail.value === ALL ? undefined : String(event.detail.value) })
						}
					>
						<IonSelectOption value={ALL}>All</IonSelectOption>
						{tags.map((tag) => (
							<IonSelectOption key={tag.id} value={tag.id}>
								{tag.name}
							</IonSelectOption>
						))}
					</IonSelect>
				</IonCol>
			</IonRow>
		</IonGrid>
	);
}
