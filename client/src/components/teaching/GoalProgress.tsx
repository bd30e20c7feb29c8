import { IonProgressBar } from "@ionic/react";
import { FOCUS_LABELS } from "../../models/session";
import type { WeeklyGoal } from "../../models/teaching";
import { formatMinutes } from "../../util/format";

/** One target of the goal: what is done in words, and a bar capped at the target. */
function TargetBar({ text, label, share, onTrack }: { text: string; label: string; share: number; onTrack: boolean }) {
	return (
		<>
			<p>{text}</p>
			<IonProgressBar value={share} color={onTrack ? "success" : "warning"} aria-label={label} />
		</>
	);
}

export function goalStatusText(goal: WeeklyGoal): string {
	if (goal.progress.met) return "Goal met this week";
	return goal.progress.onTrack ? "On track" : "Behind this week";
}

/** A weekly goal and how far this week (Monday to Sunday in the student's zone) has come towards it. */
export function GoalProgress({ goal, heading }: { goal: WeeklyGoal; heading?: string }) {
	const { minutesDone, daysDone, weekStart, weekEnd } = goal.progress;
	const focus = goal.focus ? ` of ${FOCUS_LABELS[goal.focus]}` : "";
	return (
		<section className="etude-goal" aria-label={heading ?? `Weekly goal from ${goal.teacherName}`}>
			<h3>{heading ?? `Weekly goal from ${goal.teacherName}`}</h3>
			<p className="etude-goal-status" role="status">
				{goalStatusText(goal)} · week of {weekStart} to {weekEnd}
			</p>
			{goal.minutesPerWeek !== null && (
				<TargetBar
					text={`${formatMinutes(minutesDone)} of ${formatMinutes(goal.minutesPerWeek)}${focus}`}
					label={`Minutes: ${minutesDone} of ${goal.minutesPerWeek}`}
					share={Math.min(1, minutesDone / goal.minutesPerWeek)}
					onTrack={goal.progress.onTrack}
				/>
			)}
			{goal.daysPerWeek !== null && (
				<TargetBar
					text={`${daysDone} of ${goal.daysPerWeek} ${goal.daysPerWeek === 1 ? "day" : "days"}${focus}`}
					label={`Days: ${daysDone} of ${goal.daysPerWeek}`}
					share={Math.min(1, daysDone / goal.daysPerWeek)}
					onTrack={goal.progress.onTrack}
				/>
			)}
		</section>
	);
}
