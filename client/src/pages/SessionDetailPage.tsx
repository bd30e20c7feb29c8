import {
	IonButton,
	IonItem,
	IonLabel,
	IonList,
	IonProgressBar,
	IonSpinner,
	useIonAlert,
	useIonRouter
} from "@ionic/react";
import { useState, type ReactNode } from "react";
import { useParams } from "react-router-dom";
import { CurvesChart } from "../components/CurvesChart";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { SessionLogForm } from "../components/SessionLogForm";
import { TagDots } from "../components/TagDots";
import { TagPicker } from "../components/TagPicker";
import { RecordingReview } from "../components/teaching/RecordingReview";
import { SessionFeedback } from "../components/teaching/SessionFeedback";
import { VideoPlayer } from "../components/VideoPlayer";
import { useAuth } from "../data/auth-context";
import {
	useCreateTag,
	useDeleteSession,
	useSession,
	useSessionMetrics,
	useSessionTag,
	useTags,
	useUpdateSession
} from "../data/queries";
import { FOCUS_LABELS, type PracticeSession, type SessionVideo } from "../models/session";
import type { SessionMetrics } from "../models/analytics";
import { formatDateTime, formatMetricValue, formatMinutes, metricLabel } from "../util/format";
import "../components/teaching/teaching.css";

const VIDEO_STATE_TEXT: Record<SessionVideo["state"], string> = {
	uploading: "Uploading",
	queued: "Waiting to be processed",
	processing: "Processing",
	ready: "Ready",
	failed: "Could not be processed"
};

function DetailRow({ label, children }: { label: string; children: ReactNode }) {
	return (
		<IonItem>
			<IonLabel className="ion-text-wrap">
				<p>{label}</p>
				<h3>{children}</h3>
			</IonLabel>
		</IonItem>
	);
}

/** A playable recording with its teachers' pins on the timeline, the take's curves under it on the same time axis. */
function VideoItem({ video, metrics }: { video: SessionVideo; metrics: SessionMetrics | undefined }) {
	const { user } = useAuth();
	const durationMs = metrics?.durationMs ?? (video.durationS ?? 0) * 1000;
	if (video.state === "ready" && video.hlsUrl && durationMs > 0) {
		return (
			<RecordingReview
				video={{ ...video, hlsUrl: video.hlsUrl }}
				durationMs={durationMs}
				curves={metrics?.videoId === video.id ? metrics.curves : undefined}
				canPin={false}
				userId={user?.id}
			/>
		);
	}
	if (video.state === "ready" && video.hlsUrl) {
		return <VideoPlayer hlsUrl={video.hlsUrl} posterUrl={video.thumbnailUrl} label="Practice recording" />;
	}
	return (
		<IonItem>
			<IonLabel className="ion-text-wrap">
				<h3>
					Recording: {VIDEO_STATE_TEXT[video.state]}
					{video.state === "processing" ? ` (${Math.round(video.progress)} %)` : ""}
				</h3>
				{video.failureReason && <p>{video.failureReason}</p>}
				{video.state !== "failed" && (
					<IonProgressBar value={video.progress / 100} aria-label="Recording processing progress" />
				)}
			</IonLabel>
		</IonItem>
	);
}

/** Corrects focus, minutes, rating and note; tags change at once, one tap each. */
function SessionEditor({ session, onDone }: { session: PracticeSession; onDone: () => void }) {
	const updateSession = useUpdateSession(session.id);
	const setTag = useSessionTag(session.id);
	const tags = useTags();
	const createTag = useCreateTag();
	const taggedIds = session.tags.map((tag) => tag.id);

	function changeTags(tagIds: string[]) {
		const added = tagIds.find((id) => !taggedIds.includes(id));
		const removed = taggedIds.find((id) => !tagIds.includes(id));
		if (added) setTag.mutate({ tagId: added, tagged: true });
		if (removed) setTag.mutate({ tagId: removed, tagged: false });
	}

	return (
		<>
			<ErrorNote error={updateSession.error ?? setTag.error ?? tags.error ?? createTag.error} />
			<SessionLogForm
				timed={{ startedAt: session.startedAt, endedAt: session.endedAt }}
				initial={{ focus: session.focus, selfRating: session.selfRating, note: session.note }}
				submitLabel="Save changes"
				selectedTagIds={[]}
				tagPicker={
					<TagPicker
						tags={tags.data ?? []}
						selectedTagIds={taggedIds}
						onChange={changeTags}
						onCreateTag={createTag.mutateAsync}
					/>
				}
				onSubmit={(changes) => updateSession.mutateAsync(changes).then(onDone, () => undefined)}
			/>
		</>
	);
}

export default function SessionDetailPage() {
	const { sessionId } = useParams<{ sessionId: string }>();
	const session = useSession(sessionId);
	const deleteSession = useDeleteSession();
	const router = useIonRouter();
	const [presentAlert] = useIonAlert();
	const [editing, setEditing] = useState(false);
	// Curves exist only once the analysis has produced the summary metrics.
	const metrics = useSessionMetrics(sessionId, Boolean(session.data?.metrics));

	function confirmDelete() {
		void presentAlert({
			header: "Delete this session?",
			message: "It will be gone for you and your teacher.",
			buttons: [
				{ text: "Keep", role: "cancel" },
				{
					text: "Delete",
					role: "destructive",
					handler: () => {
						deleteSession.mutate(sessionId, { onSuccess: () => router.goBack() });
					}
				}
			]
		});
	}

	const data = session.data;
	return (
		<Screen title={data ? FOCUS_LABELS[data.focus] : "Session"} backHref="/tabs/sessions">
			<ErrorNote error={session.error ?? deleteSession.error} />
			{session.isPending && <IonSpinner aria-label="Loading session" />}
			{data && editing && <SessionEditor session={data} onDone={() => setEditing(false)} />}
			{data && !editing && (
				<>
					<IonList>
						<DetailRow label="Started">{formatDateTime(data.startedAt)}</DetailRow>
						<DetailRow label="Duration">{formatMinutes(data.durationMinutes)}</DetailRow>
						<DetailRow label="How it went">
							{data.selfRating ? `${"★".repeat(data.selfRating)} (${data.selfRating} of 5)` : "Not rated"}
						</DetailRow>
						{data.tags.length > 0 && (
							<DetailRow label="Tags">
								<TagDots tags={data.tags} /> {data.tags.map((tag) => tag.name).join(", ")}
							</DetailRow>
						)}
						{data.note && <DetailRow label="Note">{data.note}</DetailRow>}
						{data.metrics &&
							Object.entries(data.metrics.metrics).map(([name, value]) => (
								<DetailRow key={name} label={metricLabel(name)}>
									{formatMetricValue(value)}
								</DetailRow>
							))}
					</IonList>
					{metrics.data && !data.videos?.some((video) => video.id === metrics.data.videoId) && (
						<CurvesChart curves={metrics.data.curves} durationMs={metrics.data.durationMs} />
					)}
					{(data.videos ?? []).map((video) => (
						<VideoItem key={video.id} video={video} metrics={metrics.data} />
					))}
					<SessionFeedback sessionId={data.id} canWrite={false} />
					<IonButton expand="block" fill="outline" className="ion-margin" onClick={() => setEditing(true)}>
						Edit session
					</IonButton>
					<IonButton expand="block" color="danger" fill="clear" className="ion-margin" onClick={confirmDelete}>
						Delete session
					</IonButton>
				</>
			)}
		</Screen>
	);
}
