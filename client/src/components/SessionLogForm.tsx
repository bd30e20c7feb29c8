import {
	IonButton,
	IonInput,
	IonItem,
	IonLabel,
	IonList,
	IonNote,
	IonRadio,
	IonRadioGroup,
	IonSelect,
	IonSelectOption,
	IonTextarea
} from "@ionic/react";
import { useState, type FormEvent, type ReactNode } from "react";
import {
	FOCUS_LABELS,
	FOCUS_VALUES,
	NOTE_MAX_LENGTH,
	SESSION_MAX_DURATION_MS,
	type Focus,
	type NewPracticeSession
} from "../models/session";

const MAX_DURATION_MINUTES = SESSION_MAX_DURATION_MS / 60_000;
const RATINGS = [1, 2, 3, 4, 5] as const;

export interface SessionLogFormProps {
	/** From the timer, or the session being edited; the student can still correct the minutes. */
	timed?: { startedAt: string; endedAt: string };
	/** Values of a session being edited */
	initial?: { focus: Focus; selfRating: number | null; note: string | null };
	submitLabel?: string;
	selectedTagIds: string[];
	/** The tag picker, wired by the page to the tag list. */
	tagPicker: ReactNode;
	/** An assignment this session is for, when the student has open ones. */
	assignmentPicker?: ReactNode;
	/** Tells the page the chosen focus, so tag suggestions can follow it. */
	onFocusChange?: (focus: Focus) => void;
	onSubmit: (session: Omit<NewPracticeSession, "id">) => Promise<void> | void;
}

function initialMinutes(timed?: { startedAt: string; endedAt: string }): string {
	if (!timed) return "";
	return String(Math.max(1, Math.round((Date.parse(timed.endedAt) - Date.parse(timed.startedAt)) / 60_000)));
}

export function SessionLogForm({
	timed,
	initial,
	submitLabel = "Save session",
	selectedTagIds,
	tagPicker,
	assignmentPicker,
	onFocusChange,
	onSubmit
}: SessionLogFormProps) {
	const [focus, setFocus] = useState<Focus | undefined>(initial?.focus);
	const [minutesText, setMinutesText] = useState(() => initialMinutes(timed));
	const [selfRating, setSelfRating] = useState<number | undefined>(initial?.selfRating ?? undefined);
	const [note, setNote] = useState(initial?.note ?? "");
	const [problems, setProblems] = useState<Record<string, string>>({});
	const [saving, setSaving] = useState(false);

	function validate(): Record<string, string> {
		const found: Record<string, string> = {};
		const minutes = Number(minutesText);
		if (!focus) found.focus = "Choose what you practised.";
		if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_DURATION_MINUTES) {
			found.minutes = `Enter whole minutes from 1 to ${MAX_DURATION_MINUTES}.`;
		}
		if (note.length > NOTE_MAX_LENGTH) found.note = `Keep the note under ${NOTE_MAX_LENGTH} characters.`;
		return found;
	}

	async function submit(event: FormEvent) {
		event.preventDefault();
		const found = validate();
		setProblems(found);
		if (Object.keys(found).length > 0 || !focus) return;
		// A timed session keeps its real instants unless the student corrected the minutes; a typed one ends now.
		const endedAt = timed?.endedAt ?? new Date().toISOString();
		const startedAt =
			timed && minutesText === initialMinutes(timed)
				? timed.startedAt
				: new Date(Date.parse(endedAt) - Number(minutesText) * 60_000).toISOString();
		setSaving(true);
		try {
			await onSubmit({
				focus,
				startedAt,
				endedAt,
				...(selfRating ? { selfRating } : {}),
				...(note.trim() ? { note: note.trim() } : {}),
				...(selectedTagIds.length ? { tagIds: selectedTagIds } : {})
			});
		} finally {
			setSaving(false);
		}
	}

	return (
		<form onSubmit={submit} aria-label="Log a practice session" noValidate>
			<IonList>
				<IonItem>
					<IonSelect
						label="Focus"
						labelPlacement="stacked"
						interface="popover"
						placeholder="What did you practise?"
						value={focus}
						onIonChange={(event) => {
							setFocus(event.detail.value as Focus);
							onFocusChange?.(event.detail.value as Focus);
						}}
					>
						{FOCUS_VALUES.map((value) => (
							<IonSelectOption key={value} value={value}>
								{FOCUS_LABELS[value]}
							</IonSelectOption>
						))}
					</IonSelect>
				</IonItem>
				{problems.focus && (
					<IonNote color="danger" className="ion-padding-start" role="alert">
						{problems.focus}
					</IonNote>
				)}
				<IonItem>
					<IonInput
						label="Minutes practised"
						labelPlacement="stacked"
						type="number"
						inputmode="numeric"
						min={1}
						max={MAX_DURATION_MINUTES}
						value={minutesText}
						onIonInput={(event) => setMinutesText(event.detail.value ?? "")}
					/>
				</IonItem>
				{problems.minutes && (
					<IonNote color="danger" className="ion-padding-start" role="alert">
						{problems.minutes}
					</IonNote>
				)}
				<IonItem lines="none">
					<IonLabel>How did it go?</IonLabel>
				</IonItem>
				<IonRadioGroup
					className="etude-rating"
					aria-label="How did it go? (1 to 5)"
					allowEmptySelection
					value={selfRating}
					onIonChange={(event) => setSelfRating(event.detail.value as number | undefined)}
				>
					{RATINGS.map((rating) => (
						<IonRadio key={rating} value={rating} labelPlacement="end" aria-label={`Rate ${rating} of 5`}>
							{rating}★
						</IonRadio>
					))}
				</IonRadioGroup>
				<IonItem>
					<IonTextarea
						label="Note"
						labelPlacement="stacked"
						autoGrow
						counter
						maxlength={NOTE_MAX_LENGTH}
						value={note}
						onIonInput={(event) => setNote(event.detail.value ?? "")}
					/>
				</IonItem>
				{problems.note && (
					<IonNote color="danger" className="ion-padding-start" role="alert">
						{problems.note}
					</IonNote>
				)}
			</IonList>
			{tagPicker}
			{assignmentPicker}
			<IonButton type="submit" expand="block" className="ion-margin" disabled={saving}>
				{submitLabel}
			</IonButton>
		</form>
	);
}
