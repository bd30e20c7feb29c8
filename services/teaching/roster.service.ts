import type { Context, ServiceSchema } from "moleculer";
import type { EtudeMeta } from "../../lib/actor";
import type { Attention, RosterEntry } from "../../contracts/teaching";
import type { StudentOverview } from "../analytics/analytics.service";
import { daysBetween } from "../analytics/practice-days";
import type { PersonProfile } from "../auth.service";
import type { FailedRecording } from "../media/media.service";
import type { StudentPracticeDay, StudentsPractice } from "../practice/sessions.service";
import type { OpenAssignments } from "./assignments.service";
import { goalWithProgress, type GoalRow } from "./goals.service";
import { memoizeStrings } from "../../lib/memo";
import { datesEndingOn, isoWeekOf, localToday } from "./weeks";

/** The measurements a teacher scans first, and which way is better. Vibrato extent is a matter of style: shown, never flagged. */
const HEADLINE_METRICS = [
	{ name: "tempoCv", better: "lower" },
	{ name: "dynamicRangeDb", better: "higher" },
	{ name: "intonationMeanAbsDeviationCents", better: "lower" },
	{ name: "vibratoExtentCents", better: null },
	{ name: "bowStabilityRmsRadPerS", better: "lower" }
] as const;
type HeadlineMetric = (typeof HEADLINE_METRICS)[number]["name"];
const HEADLINE_NAMES = HEADLINE_METRICS.map((metric) => metric.name);

/** The heat-map's days, which also hold this ISO week (it began at most six days ago). */
const HEATMAP_DAYS = 7;
// A roster's students share a few todays: their dates and weeks are worked out once each.
const heatmapDates = memoizeStrings((today: string) => datesEndingOn(today, HEATMAP_DAYS), 1000);
const weekOf = memoizeStrings(isoWeekOf, 1000);
const NO_PRACTICE_ALERT_DAYS = 3;
const FAILURE_LOOKBACK_MS = 14 * 24 * 3_600_000;
/** A week-over-week change the wrong way by more than this share of the previous week's value. */
const WORSE_SHARE = 0.1;

interface StudentFacts {
	student: PersonProfile;
	today: string;
	days: StudentPracticeDay[];
	streakDays: number;
	lastPracticeAt: string | null;
	overview: StudentOverview | undefined;
	failures: FailedRecording[];
	goal: GoalRow | undefined;
	assignments: OpenAssignments | undefined;
}

const LABELS: Record<HeadlineMetric, string> = {
	tempoCv: "tempo steadiness",
	dynamicRangeDb: "dynamic range",
	intonationMeanAbsDeviationCents: "intonation",
	vibratoExtentCents: "vibrato",
	bowStabilityRmsRadPerS: "bow stability"
};

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const group = groups.get(key(item));
		if (group) group.push(item);
		else groups.set(key(item), [item]);
	}
	return groups;
}

function worseningOf(overview: StudentOverview | undefined): Array<Extract<Attention, { code: "metric_worse" }>> {
	return HEADLINE_METRICS.flatMap(({ name, better }) => {
		const trend = overview?.trends[name];
		if (!better || !trend || trend.delta === null || !trend.previous7) return [];
		const share = trend.delta / Math.abs(trend.previous7);
		const worse = better === "lower" ? share > WORSE_SHARE : share < -WORSE_SHARE;
		return worse ? [{ code: "metric_worse" as const, message: `${LABELS[name]} got worse this week`, metric: name, change: trend.delta }] : [];
	});
}

function rosterEntry(facts: StudentFacts, teacherName: string): RosterEntry {
	const { student, today, days, overview, goal, assignments } = facts;
	const minutesOn = new Map<string, number>();
	for (const day of days) minutesOn.set(day.date, (minutesOn.get(day.date) ?? 0) + day.minutes);
	const week = weekOf(today);
	const weekDays = days.filter((day) => day.date >= week.weekStart && day.date <= today);
	const goalView = goal ? goalWithProgress(goal, teacherName, days, today) : null;

	const needsAttention: Attention[] = [];
	const practiceDates = [...minutesOn.keys()].sort();
	const lastDate = practiceDates.at(-1) ?? (facts.lastPracticeAt ? localToday(student.timezone, new Date(facts.lastPracticeAt)) : null);
	const idleDays = lastDate ? daysBetween(lastDate, today).length - 1 : null;
	if (idleDays === null || idleDays >= NO_PRACTICE_ALERT_DAYS) {
		needsAttention.push({ code: "no_practice", message: idleDays === null ? "Has not practised yet" : `No practice for ${plural(idleDays, "day")}`, days: idleDays });
	}
	if (goalView && !goalView.progress.onTrack) {
		const { minutesDone, daysDone } = goalView.progress;
		const parts = [
			goalView.minutesPerWeek !== null ? `${minutesDone} of ${goalView.minutesPerWeek} min` : null,
			goalView.daysPerWeek !== null ? `${daysDone} of ${plural(goalView.daysPerWeek, "day")}` : null
		];
		needsAttention.push({ code: "goal_behind", message: `Behind this week's goal: ${parts.filter(Boolean).join(", ")}` });
	}
	needsAttention.push(...worseningOf(overview));
	const [failure] = facts.failures;
	if (failure) needsAttention.push({ code: "recording_failed", message: "A recording could not be processed", videoId: failure.videoId, sessionId: failure.sessionId });
	for (const overdue of assignments?.overdue ?? []) {
		needsAttention.push({ code: "assignment_overdue", message: `"${overdue.title}" was due ${overdue.dueDate}`, assignmentId: overdue.id });
	}

	return {
		id: student.id,
		name: student.name,
		timezone: student.timezone,
		today,
		heatmap: heatmapDates(today).map((date) => ({ date, minutes: minutesOn.get(date) ?? 0 })),
		streakDays: facts.streakDays,
		lastPracticeAt: facts.lastPracticeAt,
		thisWeek: {
			...week,
			sessions: weekDays.reduce((total, day) => total + day.sessions, 0),
			minutes: weekDays.reduce((total, day) => total + day.minutes, 0),
			practiceDays: new Set(weekDays.map((day) => day.date)).size
		},
		goal: goalView,
		latestRecording: overview?.latest
			? {
					...overview.latest,
					changeFromPreviousWeek: Object.fromEntries(HEADLINE_NAMES.map((name) => [name, overview.trends[name]?.delta ?? null]))
				}
			: null,
		openAssignments: assignments?.open ?? 0,
		overdueAssignments: assignments?.overdue.length ?? 0,
		needsAttention
	};
}

/**
 * A teacher's roster: every linked student with a 7-day heat-map of minutes in the student's own
 * time zone, streak, this ISO week, the teacher's goal, the latest analysed take and how it moved
 * against the week before, and what needs the teacher's attention. It holds no data of its own: it
 * asks each service that owns a part once for the whole roster (batched internal actions), so the
 * number of queries does not grow with the number of students.
 */
export default function rosterService(): ServiceSchema {
	return {
		name: "roster",
		settings: { rest: "/" },

		actions: {
			list: {
				rest: "GET /students",
				permissions: ["teacher"],
				openapi: {
					summary: "Every linked student with a 7-day practice heat-map (in the student's zone), streak, week, goal, latest take and what needs attention",
					description: "Students who need attention come first, then by name."
				},
				params: { $$strict: true },
				async handler(ctx: Context<Record<string, never>, EtudeMeta>): Promise<RosterEntry[]> {
					const teacher = ctx.meta.user!;
					const students: PersonProfile[] = await ctx.call("auth.linkedStudents", { teacherId: teacher.id });
					if (students.length === 0) return [];
					const now = new Date();
					const todayIn = new Map<string, string>();
					for (const { timezone } of students) if (!todayIn.has(timezone)) todayIn.set(timezone, localToday(timezone, now));
					const todays = new Map(students.map((student) => [student.id, todayIn.get(student.timezone)!]));
					const studentIds = students.map((student) => student.id);
					const zoned = students.map((student) => ({ studentId: student.id, timezone: student.timezone }));

					const [practice, overviews, failures, goals, assignments] = await Promise.all([
						ctx.call("sessions.practiceOfStudents", {
							students: zoned.map((student) => {
								const today = todays.get(student.studentId)!;
								return { ...student, from: heatmapDates(today)[0]!, to: today };
							})
						}) as Promise<StudentsPractice>,
						ctx.call("analytics.overviewOfStudents", {
							students: zoned.map((student) => ({ ...student, today: todays.get(student.studentId)! })),
							metrics: HEADLINE_NAMES
						}) as Promise<Record<string, StudentOverview>>,
						ctx.call("media.recentFailuresOfStudents", { studentIds, since: new Date(now.getTime() - FAILURE_LOOKBACK_MS) }) as Promise<FailedRecording[]>,
						ctx.call("goals.ofTeacher", { teacherId: teacher.id, studentIds }) as Promise<GoalRow[]>,
						ctx.call("assignments.openOfTeacher", { teacherId: teacher.id, students: zoned }) as Promise<Record<string, OpenAssignments>>
					]);
					const daysByStudent = groupBy(practice.days, (day) => day.studentId);
					const failuresByStudent = groupBy(failures, (failure) => failure.studentId);
					const goalsByStudent = new Map(goals.map((goal) => [goal.studentId, goal]));

					const entries = students.map((student) =>
						rosterEntry(
							{
								student,
								today: todays.get(student.id)!,
								days: daysByStudent.get(student.id) ?? [],
								streakDays: practice.streakDays[student.id] ?? 0,
								lastPracticeAt: practice.lastPracticeAt[student.id] ?? null,
								overview: overviews[student.id],
								failures: failuresByStudent.get(student.id) ?? [],
								goal: goalsByStudent.get(student.id),
								assignments: assignments[student.id]
							},
							teacher.name
						)
					);
					return entries.sort(
						(a, b) => Number(b.needsAttention.length > 0) - Number(a.needsAttention.length > 0) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
					);
				}
			}
		}
	};
}
