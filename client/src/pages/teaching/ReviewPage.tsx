import { IonItem, IonLabel, IonList, IonSpinner } from "@ionic/react";
import { useParams } from "react-router-dom";
import { ErrorNote } from "../../components/ErrorNote";
import { Screen } from "../../components/Screen";
import { RecordingReview } from "../../components/teaching/RecordingReview";
import { SessionFeedback } from "../../components/teaching/SessionFeedback";
import { useWideScreen } from "../../components/teaching/use-wide-screen";
import { useAuth } from "../../data/auth-context";
import { useSession, useSessionMetrics } from "../../data/queries";
import { useRoster } from "../../data/teaching-queries";
import { FOCUS_LABELS } from "../../models/session";
import { formatDateTime, formatMinutes } from "../../util/format";
import "../../components/teaching/teaching.css";

/** The latest analysed take of each student, to review. Older ones open from the student's sessions. */
function LatestRecordings({ selectedSessionId }: { selectedSessionId?: string }) {
	const roster = useRoster();
	const withRecordings = (roster.data ?? []).filter((student) => student.latestRecording);
	return (
		<IonList aria-label="Latest recordings">
			<ErrorNote error={roster.error} />
			{roster.isPending && <IonSpinner aria-label="Loading recordings" />}
			{roster.data && withRecordings.length === 0 && (
				<IonItem lines="none">
					<IonLabel className="ion-text-wrap">No analysed recordings yet.</IonLabel>
				</IonItem>
			)}
			{withRecordings.map((student) => (
				<IonItem
					key={student.id}
					routerLink={`/tabs/review/${student.latestRecording!.sessionId}`}
					detail
					color={student.latestRecording!.sessionId === selectedSessionId ? "light" : undefined}
				>
					<IonLabel>
						<h3>{student.name}</h3>
						<p>Recorded {formatDateTime(student.latestRecording!.recordedAt)}</p>
					</IonLabel>
				</IonItem>
			))}
		</IonList>
	);
}

/** One session's recording under review, its curves, pins and session notes. */
export function SessionReview({ sessionId, canWrite }: { sessionId: string; canWrite: boolean }) {
	const { user } = useAuth();
	const session = useSession(sessionId);
	const metrics = useSessionMetrics(sessionId, Boolean(session.data?.metrics));
	const data = session.data;
	const video = data?.videos?.find((candidate) => candidate.state === "ready" && candidate.hlsUrl);
	const durationMs = metrics.data?.durationMs ?? (video?.durationS ?? 0) * 1000;
	return (
		<article aria-label="Session under review">
			<ErrorNote error={session.error} />
			{session.isPending && <IonSpinner aria-label="Loading the session" />}
			{data && (
				<p className="ion-padding-horizontal">
					{FOCUS_LABELS[data.focus]} · {formatDateTime(data.startedAt)} · {formatMinutes(data.durationMinutes)}
					{data.note ? ` · “${data.note}”` : ""}
				</p>
			)}
			{video && durationMs > 0 && (
				<RecordingReview
					key={video.id}
					video={{ ...video, hlsUrl: video.hlsUrl! }}
					durationMs={durationMs}
					curves={metrics.data?.curves}
					canPin={canWrite}
					userId={user?.id}
				/>
			)}
			{data && !video && <p className="ion-padding-horizontal">This session has no playable recording.</p>}
			{data && <SessionFeedback sessionId={data.id} canWrite={canWrite} />}
		</article>
	);
}

/** The Review tab: the latest recordings, and one under review at /tabs/review/:sessionId, side by side from 768 px. */
export default function ReviewPage() {
	const { sessionId } = useParams<{ sessionId?: string }>();
	const wide = useWideScreen();
	if (sessionId && !wide) {
		return (
			<Screen title="Review" backHref="/tabs/review">
				<SessionReview sessionId={sessionId} canWrite />
			</Screen>
		);
	}
	return (
		<Screen title="Review" wide>
			<div className="etude-split etude-split-review">
				<LatestRecordings selectedSessionId={sessionId} />
				{wide &&
					(sessionId ? (
						<SessionReview sessionId={sessionId} canWrite />
					) : (
						<p className="ion-padding">Choose a recording to review it.</p>
					))}
			</div>
		</Screen>
	);
}
