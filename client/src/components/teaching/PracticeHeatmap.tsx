import type { HeatmapDay } from "../../models/teaching";

/** Minutes at which a day shows the darkest shade; a day's share of it picks the shade. */
const FULL_DAY_MINUTES = 60;
const SHADES = 4;

/** 0 for no practice, then 1…4 by minutes, capped at FULL_DAY_MINUTES. */
export function heatLevel(minutes: number): number {
	if (minutes <= 0) return 0;
	return Math.min(SHADES, Math.ceil((minutes / FULL_DAY_MINUTES) * SHADES));
}

/** The weekday of a calendar date, as the date itself says it (never shifted by the viewer's zone). */
function weekdayOf(date: string): string {
	const [year, month, day] = date.split("-").map(Number) as [number, number, number];
	return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString(undefined, { weekday: "short", timeZone: "UTC" });
}

/**
 * The roster's 7 days of one student, oldest first, in the student's own calendar as the server cut it: a day is
 * the student's day, so the last square is "today" for them even when it is already tomorrow for the teacher.
 */
export function PracticeHeatmap({ days, studentName }: { days: HeatmapDay[]; studentName: string }) {
	const total = days.reduce((sum, day) => sum + day.minutes, 0);
	return (
		<ol className="etude-heatmap" aria-label={`${studentName}: ${total} minutes in the last ${days.length} days`}>
			{days.map((day) => (
				<li
					key={day.date}
					className={`etude-heat etude-heat-${heatLevel(day.minutes)}`}
					title={`${day.date}: ${day.minutes} min`}
					aria-label={`${weekdayOf(day.date)} ${day.date}: ${day.minutes} minutes`}
					data-date={day.date}
				>
					<span aria-hidden="true">{weekdayOf(day.date).slice(0, 2)}</span>
				</li>
			))}
		</ol>
	);
}
