import { useIonToast } from "@ionic/react";
import { useState } from "react";
import { PracticeTimer, type TimedPractice } from "../components/PracticeTimer";
import { SessionLogForm } from "../components/SessionLogForm";
import { TagPicker } from "../components/TagPicker";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { useCreateTag, useTags } from "../data/queries";
import { useSync } from "../data/sync-context";
import type { NewPracticeSession } from "../models/session";

export default function PracticePage() {
	const { logSession, ready, online } = useSync();
	const tags = useTags();
	const createTag = useCreateTag();
	const [timed, setTimed] = useState<TimedPractice | undefined>();
	const [selectedTagIds, setSelectedTagIds] = useState<string[]>([]);
	// A new key gives a fresh form after each save or timer stop.
	const [formKey, setFormKey] = useState(0);
	const [presentToast] = useIonToast();

	function onTimerStop(practice: TimedPractice) {
		setTimed(practice);
		setFormKey((key) => key + 1);
	}

	async function save(session: Omit<NewPracticeSession, "id">) {
		await logSession({ id: crypto.randomUUID(), ...session });
		setTimed(undefined);
		setSelectedTagIds([]);
		setFormKey((key) => key + 1);
		await presentToast({
			message: online ? "Session saved." : "Session saved on this device. It will sync when you're back online.",
			duration: 2500,
			position: "top"
		});
	}

	return (
		<Screen title="Practice" padded>
			<PracticeTimer onStop={onTimerStop} />
			<h2>Log a session</h2>
			<ErrorNote error={tags.error ?? createTag.error} />
			<SessionLogForm
				key={formKey}
				timed={timed}
				selectedTagIds={selectedTagIds}
				onSubmit={ready ? save : () => undefined}
				tagPicker={
					<TagPicker
						tags={tags.data ?? []}
						selectedTagIds={selectedTagIds}
						onChange={setSelectedTagIds}
						onCreateTag={createTag.mutateAsync}
					/>
				}
			/>
		</Screen>
	);
}
