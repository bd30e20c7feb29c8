import { IonBadge, IonItem, IonLabel, IonList, IonSelect, IonSelectOption, IonSpinner } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../../components/ErrorNote";
import { PracticeHeatmap } from "../../components/teaching/PracticeHeatmap";
import { useRoster } from "../../data/teaching-queries";
import type { RosterEntry } from "../../models/teaching";
import { formatDateTime, formatMinutes } from "../../util/format";

type RosterOrder = "attention" | "name" | "week" | "streak" | "lastPractice";

const ORDER_LABELS: Record<RosterOrder, string> = {
	attention: "Needs attention first",
	name: "Name",
	week: "Minutes this week",
	streak: "Streak",
	lastPractice: "Last practice"
};

const byName = (a: RosterEntry, b: RosterEntry) => a.name.localeCompare(b.name);

/** Needing attention always comes first; the chosen order sorts within each group. */
const COMPARE: Record<RosterOrder, (a: RosterEntry, b: RosterEntry) => number> = {
	// The server's own order: attention first, then by name.
	attention: () => 0,
	name: byName,
	week: (a, b) => b.thisWeek.minutes - a.thisWeek.minutes || byName(a, b),
	streak: (a, b) => b.streakDays - a.streakDays || byName(a, b),
	lastPractice: (a, b) => (b.lastPracticeAt ?? "").localeCompare(a.lastPracticeAt ?? "") || byName(a, b)
};

export function sortRoster(entries: RosterEntry[], order: RosterOrder): RosterEntry[] {
	const needsAttention = (entry: RosterEntry) => Number(entry.needsAttention.length > 0);
	return [...entries].sort((a, b) => needsAttention(b) - needsAttention(a) || COMPARE[order](a, b));
}

/** The class at a glance: each student's 7 days in their own zone, streak, week, goal and what needs attention. */
export function RosterList({ selectedStudentId }: { selectedStudentId?: string }) {
	const roster = useRoster();
	const [order, setOrder] = useState<RosterOrder>("attention");
	const entries = sortRoster(roster.data ?? [], order);
	return (
		<div>
			<IonItem lines="none">
				<IonSelect
					label="Sort by"
					interface="popover"
					value={order}
					onIonChange={(event) => setOrder(event.detail.value as RosterOrder)}
				>
					{Object.entries(ORDER_LABELS).map(([value, label]) => (
						<IonSelectOption key={value} value={value}>
							{label}
						</IonSelectOption>
					))}
				</IonSelect>
			</IonItem>
			<ErrorNote error={roster.error} />
			{roster.isPending && <IonSpinner aria-label="Loading your students" />}
			<IonList aria-label="Your students">
				{roster.data?.length === 0 && (
					<IonItem lines="none">
						<IonLabel className="ion-text-wrap">
							No students yet. Create an invite code in Settings and give it to your student.
						</IonLabel>
					</IonItem>
				)}
				{entries.map((student) => (
					<IonItem
						key={student.id}
						routerLink={`/tabs/students/${student.id}`}
						detail
						color={student.id === selectedStudentId ? "light" : undefined}
						data-student-id={student.id}
					>
						<IonLabel className="ion-text-wrap">
							<h2>
								{student.name}{" "}
								{student.needsAttention.length > 0 && (
									<IonBadge color="warning">{student.needsAttention.length} to look at</IonBadge>
								)}
							</h2>
							<PracticeHeatmap days={student.heatmap} studentName={student.name} />
							<p>
								This week {formatMinutes(student.thisWeek.minutes)} in {student.thisWeek.sessions}{" "}
								{student.thisWeek.sessions === 1 ? "session" : "sessions"} · streak {student.streakDays}{" "}
								{student.streakDays === 1 ? "day" : "days"}
								{student.goal?.minutesPerWeek ? ` · goal ${formatMinutes(student.goal.minutesPerWeek)}` : ""}
							</p>
							<p>
								{student.lastPracticeAt
									? `Last practised ${formatDateTime(student.lastPracticeAt)}`
									: "No practice yet"}
								{student.openAssignments > 0 ? ` · ${student.openAssignments} open assignments` : ""}
							</p>
							{student.needsAttention.map((reason) => (
								<p key={`${reason.code}-${reason.message}`} className="etude-attention">
									{reason.message}
								</p>
							))}
						</IonLabel>
					</IonItem>
				))}
			</IonList>
		</div>
	);
}
