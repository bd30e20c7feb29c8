import {
	IonButton,
	IonCard,
	IonCardContent,
	IonCardHeader,
	IonCardTitle,
	IonItem,
	IonLabel,
	IonList,
	IonListHeader,
	IonSpinner
} from "@ionic/react";
import { useMemo } from "react";
import { ErrorNote } from "../../components/ErrorNote";
import { MetricTrends } from "../../components/MetricTrends";
import { MinutesChart } from "../../components/MinutesChart";
import { TagDots } from "../../components/TagDots";
import { useRoster, useStudentDashboard, useStudentSessions } from "../../data/teaching-queries";
import { FOCUS_LABELS } from "../../models/session";
import { formatDateTime, formatMinutes, lastCalendarDays } from "../../util/format";
import { AssignmentsEditor, GoalEditor } from "./StudentPlans";

const DASHBOARD_DAYS = 28;
const SESSIONS_SHOWN = 20;

/** The student's practice as their teacher reads it: their dashboard in their zone, sessions and recordings. */
function StudentPractice({ studentId, timezone }: { studentId: string; timezone: string }) {
	const range = useMemo(() => lastCalendarDays(DASHBOARD_DAYS, timezone), [timezone]);
	const dashboard = useStudentDashboard(studentId, range);
	const sessions = useStudentSessions(studentId, { limit: SESSIONS_SHOWN });
	return (
		<>
			<ErrorNote error={dashboard.error ?? sessions.error} />
			{dashboard.data && (
				<IonCard>
					<IonCardHeader>
						<IonCardTitle>
							Streak: {dashboard.data.streakDays} {dashboard.data.streakDays === 1 ? "day" : "days"}
						</IonCardTitle>
					</IonCardHeader>
					<IonCardContent>
						<MinutesChart minutesPerDay={dashboard.data.minutesPerDay} />
						<MetricTrends trends={dashboard.data.trends} />
					</IonCardContent>
				</IonCard>
			)}
			<IonList aria-label="Sessions and recordings">
				<IonListHeader>Sessions ({sessions.data?.total ?? "…"})</IonListHeader>
				{sessions.isPending && <IonSpinner aria-label="Loading sessions" />}
				{sessions.data?.items.map((session) => {
					const recording = session.videos?.find((video) => video.state === "ready");
					return (
						<IonItem key={session.id} data-session-id={session.id}>
							<IonLabel className="ion-text-wrap">
								<h3>
									{FOCUS_LABELS[session.focus]} <TagDots tags={session.tags} />
								</h3>
								<p>
									{formatDateTime(session.startedAt)} · {formatMinutes(session.durationMinutes)}
									{session.selfRating ? ` · ${"★".repeat(session.selfRating)}` : ""}
									{session.videos?.length && !recording ? " · recording processing" : ""}
								</p>
								{session.note && <p>{session.note}</p>}
							</IonLabel>
							<IonButton slot="end" fill="outline" routerLink={`/tabs/review/${session.id}`}>
								{recording ? "Review recording" : "Feedback"}
							</IonButton>
						</IonItem>
					);
				})}
			</IonList>
		</>
	);
}

/** One student of the roster in depth: dashboard, sessions and recordings, the weekly goal and assignments. */
export function StudentDetail({ studentId }: { studentId: string }) {
	const roster = useRoster();
	const student = roster.data?.find((entry) => entry.id === studentId);
	if (roster.isPending) return <IonSpinner aria-label="Loading the student" />;
	if (!student) return <ErrorNote error={roster.error ?? new Error("This student is not linked with you.")} />;
	return (
		<article aria-label={student.name} className="etude-student">
			<h2 className="ion-padding-horizontal">{student.name}</h2>
			<p className="ion-padding-horizontal">
				Their time zone: {student.timezone} · their today: {student.today}
			</p>
			{student.needsAttention.length > 0 && (
				<IonList aria-label="Needs attention">
					{student.needsAttention.map((reason) => (
						<IonItem key={`${reason.code}-${reason.message}`} lines="none">
							<IonLabel className="ion-text-wrap" color="warning">
								{reason.message}
							</IonLabel>
						</IonItem>
					))}
				</IonList>
			)}
			<StudentPractice studentId={student.id} timezone={student.timezone} />
			<GoalEditor studentId={student.id} />
			<AssignmentsEditor studentId={student.id} />
		</article>
	);
}
