import { IonItem, IonLabel, IonList, IonListHeader, IonSpinner } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../../components/ErrorNote";
import { EditDeleteButtons, FormActions } from "../../components/teaching/EditableItemControls";
import { Screen } from "../../components/Screen";
import { FocusSelect } from "../../components/teaching/FocusSelect";
import { TextField } from "../../components/TextField";
import { useCreateTag, useTags } from "../../data/queries";
import { useDeleteTag, useUpdateTag } from "../../data/teaching-queries";
import { FOCUS_LABELS, type Focus } from "../../models/session";
import type { NewTag, Tag } from "../../models/tag";
import "../../components/teaching/teaching.css";

const DEFAULT_TAG_COLOR = "#3949ab";

/** Name, colour and optional focus of a tag, new or edited. */
function TagForm({
	initial,
	submitLabel,
	onSubmit,
	onCancel
}: {
	initial?: Tag;
	submitLabel: string;
	onSubmit: (tag: NewTag) => Promise<unknown>;
	onCancel?: () => void;
}) {
	const [name, setName] = useState(initial?.name ?? "");
	const [color, setColor] = useState(initial?.color ?? DEFAULT_TAG_COLOR);
	const [focus, setFocus] = useState<Focus | null>(initial?.focus ?? null);
	return (
		<form
			aria-label={submitLabel}
			onSubmit={(event) => {
				event.preventDefault();
				void onSubmit({ name: name.trim(), color, focus }).then(
					() => {
						if (!initial) setName("");
					},
					() => undefined
				);
			}}
		>
			<TextField
				label="Tag name"
				maxlength={40}
				value={name}
				onValueChange={setName}
				action={
					<input
						type="color"
						aria-label="Tag colour"
						value={color}
						onChange={(event) => setColor(event.target.value)}
					/>
				}
			/>
			<FocusSelect label="For focus" value={focus} onChange={setFocus} />
			<FormActions submitLabel={submitLabel} submitDisabled={!name.trim()} onCancel={onCancel} />
		</form>
	);
}

function DesignedTag({ tag }: { tag: Tag }) {
	const [editing, setEditing] = useState(false);
	const update = useUpdateTag();
	const remove = useDeleteTag();
	if (editing) {
		return (
			<>
				<TagForm
					initial={tag}
					submitLabel={`Save tag ${tag.name}`}
					onSubmit={(changes) => update.mutateAsync({ tagId: tag.id, changes }).then(() => setEditing(false))}
					onCancel={() => setEditing(false)}
				/>
				<ErrorNote error={update.error} />
			</>
		);
	}
	return (
		<IonItem data-tag-id={tag.id}>
			<span className="etude-tag-dot" style={{ backgroundColor: tag.color }} aria-hidden="true" />
			<IonLabel>
				<h3>{tag.name}</h3>
				<p>{tag.focus ? FOCUS_LABELS[tag.focus] : "Any focus"}</p>
				<ErrorNote error={remove.error} />
			</IonLabel>
			<EditDeleteButtons subject={`tag ${tag.name}`} onEdit={() => setEditing(true)} onDelete={() => remove.mutate(tag.id)} />
		</IonItem>
	);
}

/** The tag designer: tags every linked student is offered in their log form (first among the suggestions). */
export default function TagsPage() {
	const tags = useTags();
	const create = useCreateTag();
	const mine = (tags.data ?? []).filter((tag) => tag.ownedByMe !== false);
	return (
		<Screen title="Tags" padded>
			<p>
				Your students see these tags first when they log a session. Deleting a tag leaves their sessions as they are.
			</p>
			<TagForm submitLabel="Add tag" onSubmit={(tag) => create.mutateAsync(tag)} />
			<ErrorNote error={tags.error ?? create.error} />
			{tags.isPending && <IonSpinner aria-label="Loading tags" />}
			<IonList aria-label="Your tags">
				<IonListHeader>Your tags ({mine.length})</IonListHeader>
				{mine.map((tag) => (
					<DesignedTag key={tag.id} tag={tag} />
				))}
			</IonList>
		</Screen>
	);
}
