import { IonButton, IonChip, IonInput, IonItem, IonLabel } from "@ionic/react";
import { useState, type ReactNode } from "react";
import type { NewTag, Tag } from "../models/tag";

const DEFAULT_TAG_COLOR = "#3949ab";

interface TagPickerProps {
	tags: Tag[];
	selectedTagIds: string[];
	onChange: (tagIds: string[]) => void;
	onCreateTag: (tag: NewTag) => Promise<Tag>;
	/** Existing tags matching what is typed as a new tag's name, offered to pick instead. */
	renderSuggestions?: (query: string, pick: (tag: Tag) => void) => ReactNode;
}

export function TagPicker({ tags, selectedTagIds, onChange, onCreateTag, renderSuggestions }: TagPickerProps) {
	const [newTagName, setNewTagName] = useState("");
	const [newTagColor, setNewTagColor] = useState(DEFAULT_TAG_COLOR);
	const [creating, setCreating] = useState(false);

	function toggle(tag: Tag) {
		onChange(
			selectedTagIds.includes(tag.id) ? selectedTagIds.filter((id) => id !== tag.id) : [...selectedTagIds, tag.id]
		);
	}

	async function addTag() {
		const name = newTagName.trim();
		if (!name) return;
		setCreating(true);
		try {
			const tag = await onCreateTag({ name, color: newTagColor });
			setNewTagName("");
			onChange([...selectedTagIds, tag.id]);
		} finally {
			setCreating(false);
		}
	}

	return (
		<div role="group" aria-label="Tags">
			<IonItem lines="none">
				<IonLabel>Tags</IonLabel>
			</IonItem>
			<div className="ion-padding-horizontal">
				{tags.map((tag) => {
					const selected = selectedTagIds.includes(tag.id);
					return (
						<IonChip
							key={tag.id}
							outline={!selected}
							onClick={() => toggle(tag)}
							role="checkbox"
							aria-checked={selected}
							aria-label={`Tag ${tag.name}`}
						>
							<span className="etude-tag-dot" style={{ backgroundColor: tag.color }} aria-hidden="true" />
							{tag.name}
						</IonChip>
					);
				})}
			</div>
			<IonItem>
				<IonInput
					label="New tag"
					labelPlacement="stacked"
					value={newTagName}
					maxlength={40}
					onIonInput={(event) => setNewTagName(event.detail.value ?? "")}
				/>
				<input
					type="color"
					aria-label="New tag colour"
					value={newTagColor}
					onChange={(event) => setNewTagColor(event.target.value)}
				/>
				<IonButton slot="end" fill="clear" onClick={addTag} disabled={!newTagName.trim() || creating}>
					Add tag
				</IonButton>
			</IonItem>
			{renderSuggestions?.(newTagName.trim(), (tag) => {
				setNewTagName("");
				if (!selectedTagIds.includes(tag.id)) onChange([...selectedTagIds, tag.id]);
			})}
		</div>
	);
}
