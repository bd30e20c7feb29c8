import { IonButton, IonIcon, IonNote, IonProgressBar } from "@ionic/react";
import { imageOutline } from "ionicons/icons";
import { useRef, useState } from "react";
import type { AttachMedia } from "../../data/forum-attachments";
import { ErrorNote } from "../ErrorNote";

type Step = { name: "idle" } | { name: "uploading"; fraction: number } | { name: "processing" } | { name: "failed"; error: unknown };

/** A caption from the file's name: what the reader's screen reader says, without markdown's brackets. */
function captionOf(fileName: string): string {
	return fileName.replace(/\.[^.]+$/, "").replace(/[[\]()\\]/g, " ").trim() || "picture";
}

interface MediaAttachButtonProps {
	attach: AttachMedia;
	/** Receives `![caption](media:<id>)` once the server has processed the file. */
	onInsert: (markdown: string) => void;
}

/**
 * "Add image or clip": uploads the chosen file through the recordings' tus client, shows its progress,
 * waits for the server to re-encode it, then hands the reference to the form.
 */
export function MediaAttachButton({ attach, onInsert }: MediaAttachButtonProps) {
	const input = useRef<HTMLInputElement>(null);
	const [step, setStep] = useState<Step>({ name: "idle" });
	const busy = step.name === "uploading" || step.name === "processing";

	async function send(file: File) {
		setStep({ name: "uploading", fraction: 0 });
		try {
			const media = await attach(file, (fraction) => setStep(fraction >= 1 ? { name: "processing" } : { name: "uploading", fraction }));
			onInsert(`![${captionOf(file.name)}](media:${media.id})`);
			setStep({ name: "idle" });
		} catch (error) {
			setStep({ name: "failed", error });
		}
	}

	return (
		<div className="ion-padding-horizontal">
			<input
				ref={input}
				type="file"
				accept="image/*,video/*"
				hidden
				aria-label="Image or clip file"
				onChange={(event) => {
					const file = event.target.files?.[0];
					event.target.value = "";
					if (file) void send(file);
				}}
			/>
			<IonButton fill="outline" disabled={busy} onClick={() => input.current?.click()}>
				<IonIcon slot="start" icon={imageOutline} aria-hidden="true" />
				Add image or clip
			</IonButton>
			{step.name === "uploading" && <IonProgressBar value={step.fraction} aria-label={`Uploading: ${Math.round(step.fraction * 100)} %`} />}
			{step.name === "processing" && (
				<>
					<IonProgressBar type="indeterminate" aria-label="Preparing the file" />
					<IonNote>Preparing the file…</IonNote>
				</>
			)}
			{step.name === "failed" && <ErrorNote error={step.error} />}
		</div>
	);
}
