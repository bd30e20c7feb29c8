import { IonNote, IonProgressBar } from "@ionic/react";
import { describeCode } from "../data/error-messages";
import type { UploadStatus } from "../models/recording";

const KIND_LABELS = { video: "Video", sensors: "Motion data" } as const;

export function UploadProgress({ statuses }: { statuses: UploadStatus[] }) {
	if (statuses.length === 0) return null;
	const failedByCode = new Map<string, string[]>();
	for (const status of statuses.filter((candidate) => candidate.state === "failed")) {
		const code = status.errorCode ?? "";
		failedByCode.set(code, [...(failedByCode.get(code) ?? []), KIND_LABELS[status.kind]]);
	}
	return (
		<div className="etude-uploads">
			{statuses
				.filter((status) => status.state !== "failed")
				.map((status) => {
					const label = KIND_LABELS[status.kind];
					const percent = Math.round(status.progress * 100);
					const text = {
						waiting: "waits for the session to sync",
						uploading: `uploading ${percent} %`,
						done: "uploaded"
					}[status.state as "waiting" | "uploading" | "done"];
					return (
						<div key={status.kind}>
							<IonNote className="ion-display-block">
								{label} {text}
							</IonNote>
							{status.state === "uploading" && (
								<IonProgressBar value={status.progress} aria-label={`${label} upload progress`} />
							)}
						</div>
					);
				})}
			{[...failedByCode].map(([code, labels]) => (
				<IonNote key={code} color="danger" className="ion-display-block">
					{labels.join(" and ")}: {describeCode(code)}
				</IonNote>
			))}
		</div>
	);
}
