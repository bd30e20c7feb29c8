import { IonButton, IonItem, IonLabel, IonList, IonListHeader, IonTextarea } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../../components/ErrorNote";
import { EditDeleteButtons, FormActions } from "../../components/teaching/EditableItemControls";
import { FocusSelect } from "../../components/teaching/FocusSelect";
import { GoalProgress } from "../../components/teaching/GoalProgress";
import { TextField } from "../../components/TextField";
import {
	useAssignments,
	useCreateAssignment,
	useDeleteAssignment,
	useGoals,
	useSetGoal,
	useUpdateAssignment
} from "../../data/teaching-queries";
import { FOCUS_LABELS, type Focus } from "../../models/session";
import type { Assignment, AssignmentFields } from "../../models/teaching";

/** A whole number from a field, or null when it is left empty. */
function wholeNumberOrNull(text: string): number | null {
	return text.trim() === "" ? null : Math.round(Number(text));
}

/** The teacher's weekly goal for the student (minutes and/or days in the student's ISO week), and its progress. */
export function GoalEditor({ studentId }: { studentId: string }) {
	const goals = useGoals(studentId);
	const setGoal = useSetGoal();
	const goal = goals.data?.[0];
	const [minutes, setMinutes] = useState("");
	const [days, setDays] = useState("");
	const [focus, setFocus] = useState<Focus | null>(null);
	return (
		<section aria-label="Weekly goal">
			<IonListHeader>Weekly goal</IonListHeader>
			{goal ? (
				<GoalProgress goal={goal} heading="This week's goal" />
			) : (
				<p className="ion-padding-horizontal">No weekly goal yet.</p>
			)}
			<form
				aria-label="Set the weekly goal"
				onSubmit={(event) => {
					event.preventDefault();
					setGoal.mutate({
						studentId,
						minutesPerWeek: wholeNumberOrNull(minutes),
						daysPerWeek: wholeNumberOrNull(days),
						focus
					});
				}}
			>
				<TextField
					label="Minutes per week"
					type="number"
					inputmode="numeric"
					min={1}
					value={minutes}
					onValueChange={setMinutes}
				/>
				<TextField
					label="Days per week"
					type="number"
					inputmode="numeric"
					min={1}
					max={7}
					value={days}
					onValueChange={setDays}
				/>
				<FocusSelect label="Counting" value={focus} onChange={setFocus} />
				<IonButton
					type="submit"
					expand="block"
					className="ion-margin"
					disabled={(!minutes && !days) || setGoal.isPending}
				>
					{goal ? "Replace the weekly goal" : "Set the weekly goal"}
				</IonButton>
			</form>
			<ErrorNote error={goals.error ?? setGoal.error} />
		</section>
	);
}

/** New or edited: title, due date (a day of the student's calendar), focus, target tempo, notes. */
function AssignmentForm({
	initial,
	submitLabel,
	onSubmit,
	onCancel
}: {
	initial?: Assignment;
	submitLabel: string;
	onSubmit: (fields: AssignmentFields) => Promise<unknown>;
	onCancel?: () => void;
}) {
	const [title, setTitle] = useState(initial?.title ?? "");
	const [dueDate, setDueDate] = useState(initial?.dueDate ?? "");
	const [focus, setFocus] = useState<Focus | null>(initial?.focus ?? null);
	const [tempo, setTempo] = useState(initial?.targetTempoBpm ? String(initial.targetTempoBpm) : "");
	const [notes, setNotes] = useState(initial?.notes ?? "");
	return (
		<form
			aria-label={submitLabel}
			onSubmit={(event) => {
				event.preventDefault();
				void onSubmit({
					title: title.trim(),
					dueDate,
					focus,
					targetTempoBpm: wholeNumberOrNull(tempo),
					notes: notes.trim() || null
				}).then(
					() => {
						if (!initial) {
							setTitle("");
							setDueDate("");
							setTempo("");
							setNotes("");
						}
					},
					() => undefined
				);
			}}
		>
			<TextField label="Title" maxlength={200} value={title} onValueChange={setTitle} />
			<TextField label="Due (the student's day)" type="date" value={dueDate} onValueChange={setDueDate} />
			<FocusSelect label="Focus" value={focus} onChange={setFocus} />
			<TextField
				label="Target tempo (BPM)"
				type="number"
				inputmode="numeric"
				min={20}
				max={400}
				value={tempo}
				onValueChange={setTempo}
			/>
			<IonItem>
				<IonTextarea
					label="Notes"
					labelPlacement="stacked"
					autoGrow
					maxlength={4000}
					value={notes}
					onIonInput={(event) => setNotes(event.detail.value ?? "")}
				/>
			</IonItem>
			<FormActions submitLabel={submitLabel} submitDisabled={!title.trim() || !dueDate} onCancel={onCancel} />
		</form>
	);
}

function AssignmentItem({ assignment }: { assignment: Assignment }) {
	const [editing, setEditing] = useState(false);
	const update = useUpdateAssignment();
	const remove = useDeleteAssignment();
	if (editing) {
		return (
			<>
				<AssignmentForm
					initial={assignment}
					submitLabel={`Save ${assignment.title}`}
					onSubmit={(changes) =>
						update.mutateAsync({ assignmentId: assignment.id, changes }).then(() => setEditing(false))
					}
					onCancel={() => setEditing(false)}
				/>
				<ErrorNote error={update.error} />
			</>
		);
	}
	const status = assignment.doneAt ? "done" : assignment.overdue ? "overdue" : "open";
	return (
		<IonItem data-assignment-status={status}>
			<IonLabel className="ion-text-wrap">
				<h3>{assignment.title}</h3>
				<p>
					Due {assignment.dueDate} · {status}
					{assignment.focus ? ` · ${FOCUS_LABELS[assignment.focus]}` : ""}
					{assignment.targetTempoBpm ? ` · ${assignment.targetTempoBpm} BPM` : ""}
					{assignment.sessionIds.length > 0 ? ` · ${assignment.sessionIds.length} sessions` : ""}
				</p>
				{assignment.notesHtml && (
					<div className="etude-feedback-html" dangerouslySetInnerHTML={{ __html: assignment.notesHtml }} />
				)}
				<ErrorNote error={remove.error} />
			</IonLabel>
			<EditDeleteButtons subject={assignment.title} onEdit={() => setEditing(true)} onDelete={() => remove.mutate(assignment.id)} />
		</IonItem>
	);
}

/** The assignments this teacher gave the student, open first, and a form for a new one. */
export function AssignmentsEditor({ studentId }: { studentId: string }) {
	const assignments = useAssignments(studentId, "all");
	const create = useCreateAssignment();
	return (
		<section aria-label="Assignments">
			<IonList>
				<IonListHeader>Assignments</IonListHeader>
				{assignments.data?.length === 0 && (
					<IonItem lines="none">
						<IonLabel>No assignments yet.</IonLabel>
					</IonItem>
				)}
				{(assignments.data ?? []).map((assignment) => (
					<AssignmentItem key={assignment.id} assignment={assignment} />
				))}
			</IonList>
			<AssignmentForm
				submitLabel="Give assignment"
				onSubmit={(fields) => create.mutateAsync({ studentId, ...fields })}
			/>
			<ErrorNote error={assignments.error ?? create.error} />
		</section>
	);
}
