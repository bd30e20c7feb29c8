import { IonItem, IonNote, IonToggle, useIonToast } from "@ionic/react";
import { useEffect, useRef, useState } from "react";
import { PracticeTimer, type TimedPractice } from "../components/PracticeTimer";
import { SessionLogForm } from "../components/SessionLogForm";
import { TagPicker } from "../components/TagPicker";
import { ErrorNote } from "../components/ErrorNote";
import { LivePreview } from "../components/LivePreview";
import { Screen } from "../components/Screen";
import { useCreateTag, useTags } from "../data/queries";
import { useSync } from "../data/sync-context";
import { usePracticeRecording } from "../data/use-practice-recording";
import type { PracticeRecording } from "../models/recording";
import type { NewPracticeSession } from "../models/session";
import { UpcomingLessons } from "./schedule/UpcomingLessons";
import { AssignmentPicker, MyPlans, TagSuggestions } from "../components/teaching/MyPlans";
import { useLinkSessionToAssignment } from "../data/teaching-queries";
import type { Focus } from "../models/session";

export default function PracticePage() {
	const { logSession, entries } = useSync();
	const tags = useTags();
	const createTag = useCreateTag();
	const [timed, setTimed] = useState<TimedPractice | undefined>();
	const [selectedTagIds, setSelectedTagIds] = useState<string[]>([]);
	// A new key gives a fresh form after each save or timer stop.
	const [formKey, setFormKey] = useState(0);
	const [presentToast] = useIonToast();
	const [saveError, setSaveError] = useState<unknown>(null);
	const contentRef = useRef<HTMLIonContentElement>(null);
	const recorder = usePracticeRecording();
	const [recordingWanted, setRecordingWanted] = useState(false);
	const [recording, setRecording] = useState<PracticeRecording | undefined>();
	const [focus, setFocus] = useState<Focus | undefined>();
	const [assignmentId, setAssignmentId] = useState<string | undefined>();
	// Sessions saved for an assignment, linked once the server has them (a session may wait offline first).
	const [linksToMake, setLinksToMake] = useState<Record<string, string>>({});
	const linkSession = useLinkSessionToAssignment();

	useEffect(() => {
		const synced = entries.filter((entry) => entry.state === "done" && linksToMake[entry.session.id]);
		if (synced.length === 0) return;
		for (const entry of synced)
			linkSession.mutate({ assignmentId: linksToMake[entry.session.id]!, sessionId: entry.session.id });
		setLinksToMake((links) =>
			Object.fromEntries(
				Object.entries(links).filter(([sessionId]) => !synced.some((entry) => entry.session.id === sessionId))
			)
		);
	}, [entries, linksToMake, linkSession]);

	async function onTimerStop(practice: TimedPractice) {
		setRecording(recordingWanted ? await recorder.stop(practice.startedAt) : undefined);
		setTimed(practice);
		setFormKey((key) => key + 1);
	}

	async function save(session: Omit<NewPracticeSession, "id">) {
		setSaveError(null);
		let online: boolean;
		try {
			const id = crypto.randomUUID();
			if (assignmentId) setLinksToMake((links) => ({ ...links, [id]: assignmentId }));
			({ online } = await logSession({ id, ...session }, recording));
		} catch (error) {
			setSaveError(error);
			return;
		}
		setTimed(undefined);
		setRecording(undefined);
		setSelectedTagIds([]);
		setAssignmentId(undefined);
		setFocus(undefined);
		setFormKey((key) => key + 1);
		void contentRef.current?.scrollToTop(300);
		await presentToast({
			message: online ? "Session saved." : "Session saved on this device. It will sync when you're back online.",
			duration: 2500,
			position: "top"
		});
	}

	return (
		<Screen title="Practice" padded wide contentRef={contentRef}>
			<div className="etude-practice">
				<PracticeTimer
					onStart={() => {
						if (recordingWanted) void recorder.start();
					}}
					onStop={(practice) => void onTimerStop(practice)}
					whenIdle={
						recorder.available && (
							<IonItem lines="none">
								<IonToggle checked={recordingWanted} onIonChange={(event) => setRecordingWanted(event.detail.checked)}>
									Record video and motion
								</IonToggle>
							</IonItem>
						)
					}
					whenRunning={recorder.stream && <LivePreview stream={recorder.stream} />}
				/>
				<ErrorNote error={recorder.error} />
				{recording && (
					<IonNote className="ion-display-block ion-padding-vertical" role="status">
						Recording kept{recording.video ? `: ${(recording.video.size / 1_000_000).toFixed(1)} MB of video` : ""}
						{recording.sensors ? `, ${recording.sensors.samples.length} motion samples` : ""}. It uploads once the
						session is saved and synced.
					</IonNote>
				)}
				<MyPlans />
				<UpcomingLessons />
				<section aria-label="Log a session">
					<h2>Log a session</h2>
					<ErrorNote error={tags.error ?? createTag.error ?? linkSession.error ?? saveError} />
					<SessionLogForm
						key={formKey}
						timed={timed}
						selectedTagIds={selectedTagIds}
						onSubmit={save}
						onFocusChange={setFocus}
						assignmentPicker={<AssignmentPicker value={assignmentId} onChange={setAssignmentId} />}
						tagPicker={
							<TagPicker
								tags={tags.data ?? []}
								selectedTagIds={selectedTagIds}
								onChange={setSelectedTagIds}
								onCreateTag={createTag.mutateAsync}
								renderSuggestions={(query, pick) => (
									<TagSuggestions query={query} focus={focus} selectedTagIds={selectedTagIds} onPick={pick} />
								)}
							/>
						}
					/>
				</section>
			</div>
		</Screen>
	);
}
