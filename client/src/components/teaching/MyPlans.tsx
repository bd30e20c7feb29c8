import {
	IonButton,
	IonChip,
	IonItem,
	IonLabel,
	IonList,
	IonListHeader,
	IonSelect,
	IonSelectOption
} from "@ionic/react";
import { useAssignments, useGoals, useMarkAssignmentDone, useTagSuggestions } from "../../data/teaching-queries";
import { FOCUS_LABELS, type Focus } from "../../models/session";
import type { Tag } from "../../models/tag";
import type { Assignment } from "../../models/teaching";
import { ErrorNote } from "../ErrorNote";
import { GoalProgress } from "./GoalProgress";
import "./teaching.css";

function OpenAssignment({ assignment }: { assignment: Assignment }) {
	const markDone = useMarkAssignmentDone();
	return (
		<IonItem data-assignment-id={assignment.id}>
			<IonLabel className="ion-text-wrap">
				<h3>{assignment.title}</h3>
				<p>
					From {assignment.teacherName} · due {assignment.dueDate}
					{assignment.overdue ? " (overdue)" : ""}
					{assignment.focus ? ` · ${FOCUS_LABELS[assignment.focus]}` : ""}
					{assignment.targetTempoBpm ? ` · at ${assignment.targetTempoBpm} BPM` : ""}
				</p>
				{assignment.notesHtml && (
					<div className="etude-feedback-html" dangerouslySetInnerHTML={{ __html: assignment.notesHtml }} />
				)}
				<ErrorNote error={markDone.error} />
			</IonLabel>
			<IonButton
				slot="end"
				fill="outline"
				disabled={markDone.isPending}
				onClick={() => markDone.mutate({ assignmentId: assignment.id, done: true })}
			>
				Mark {assignment.title} done
			</IonButton>
		</IonItem>
	);
}

/** The student's week on the Practice tab: each teacher's weekly goal with its progress, and open assignments. */
export function MyPlans() {
	const goals = useGoals();
	const assignments = useAssignments(undefined, "open");
	if (!goals.data?.length && !assignments.data?.length) return <ErrorNote error={goals.error ?? assignments.error} />;
	return (
		<section aria-label="Your goals and assignments">
			{(goals.data ?? []).map((goal) => (
				<GoalProgress key={goal.id} goal={goal} />
			))}
			{(assignments.data?.length ?? 0) > 0 && (
				<IonList aria-label="Open assignments">
					<IonListHeader>Assignments</IonListHeader>
					{assignments.data!.map((assignment) => (
						<OpenAssignment key={assignment.id} assignment={assignment} />
					))}
				</IonList>
			)}
			<ErrorNote error={goals.error ?? assignments.error} />
		</section>
	);
}

/** In the log form: which open assignment this session was for, if any. */
export function AssignmentPicker({
	value,
	onChange
}: {
	value: string | undefined;
	onChange: (assignmentId: string | undefined) => void;
}) {
	const assignments = useAssignments(undefined, "open");
	if (!assignments.data?.length) return null;
	return (
		<IonItem>
			<IonSelect
				label="For assignment"
				labelPlacement="stacked"
				interface="popover"
				value={value ?? "none"}
				onIonChange={(event) => onChange(event.detail.value === "none" ? undefined : (event.detail.value as string))}
			>
				<IonSelectOption value="none">None</IonSelectOption>
				{assignments.data.map((assignment) => (
					<IonSelectOption key={assignment.id} value={assignment.id}>
						{assignment.title}
					</IonSelectOption>
				))}
			</IonSelect>
		</IonItem>
	);
}

/** Tags matching the typed name (accents and case aside), the teacher's first, for the chosen focus. */
export function TagSuggestions({
	query,
	focus,
	selectedTagIds,
	onPick
}: {
	query: string;
	focus: Focus | undefined;
	selectedTagIds: string[];
	onPick: (tag: Tag) => void;
}) {
	const suggestions = useTagSuggestions(query, focus);
	if (!query) return null;
	const offered = (suggestions.data ?? []).filter((tag) => !selectedTagIds.includes(tag.id));
	if (offered.length === 0) return null;
	return (
		<div role="group" aria-label="Suggested tags" className="ion-padding-horizontal">
			{offered.map((tag) => (
				<IonChip key={tag.id} role="button" onClick={() => onPick(tag)} aria-label={`Use tag ${tag.name}`}>
					<span className="etude-tag-dot" style={{ backgroundColor: tag.color }} aria-hidden="true" />
					{tag.name}
					{tag.source === "teacher" ? " · from your teacher" : ""}
				</IonChip>
			))}
		</div>
	);
}
