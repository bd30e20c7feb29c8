import { IonButton, IonCheckbox, IonItem, IonLabel, IonList, IonListHeader, IonNote } from "@ionic/react";
import { useEffect, useState } from "react";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { TextField } from "../components/TextField";
import { useNotificationPreferences, useSavePreferences } from "../data/notification-queries";
import { enablePush, pushEnabled, pushSupport } from "../data/push-registration";
import type { NotificationPreferences, PushChannel } from "../models/notification";
import { CATEGORY_NAMES } from "../util/notification-links";

const CHANNEL_NAMES: Record<PushChannel, string> = { web: "Browser", device: "Phone app" };
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Asks for push permission only when tapped: a prompt nobody asked for is refused (and Safari blocks it). */
function PushOnThisDevice() {
	const support = pushSupport();
	const [state, setState] = useState<"unknown" | "on" | "off" | "refused">("unknown");
	const [error, setError] = useState<unknown>();
	useEffect(() => {
		void pushEnabled().then((enabled) => setState(enabled ? "on" : "off"), () => setState("off"));
	}, []);
	if (support === "unsupported") {
		return (
			<IonItem lines="none">
				<IonLabel className="ion-text-wrap" color="medium">
					This browser cannot receive push notifications. On an iPhone, add Etude to the Home Screen first.
				</IonLabel>
			</IonItem>
		);
	}
	return (
		<>
			<IonItem lines="none">
				<IonLabel className="ion-text-wrap">
					{state === "on" && "Push notifications are on for this device."}
					{state === "off" && "Get reminders and feedback on this device even when Etude is closed."}
					{state === "refused" && "Notifications are blocked for Etude. Allow them in your browser or phone settings."}
				</IonLabel>
				{state !== "on" && (
					<IonButton
						slot="end"
						onClick={() => {
							setError(undefined);
							enablePush().then((enabled) => setState(enabled ? "on" : "refused"), setError);
						}}
					>
						Turn on push
					</IonButton>
				)}
			</IonItem>
			<ErrorNote error={error} />
		</>
	);
}

function QuietHoursSetting({ preferences }: { preferences: NotificationPreferences }) {
	const save = useSavePreferences();
	const [startsLocal, setStartsLocal] = useState(preferences.quietHours?.startsLocal ?? "21:00");
	const [endsLocal, setEndsLocal] = useState(preferences.quietHours?.endsLocal ?? "07:00");
	const valid = LOCAL_TIME.test(startsLocal) && LOCAL_TIME.test(endsLocal) && startsLocal !== endsLocal;
	return (
		<>
			<IonListHeader>Quiet hours</IonListHeader>
			<IonItem lines="none">
				<IonLabel className="ion-text-wrap" color="medium">
					Phone notifications wait until quiet hours end, in your own time zone. They stay in the inbox.
				</IonLabel>
			</IonItem>
			<TextField label="From" type="time" value={startsLocal} onValueChange={setStartsLocal} />
			<TextField label="Until" type="time" value={endsLocal} onValueChange={setEndsLocal} problem={valid ? undefined : "Choose two different times."} />
			<div className="ion-padding-horizontal">
				<IonButton disabled={!valid || save.isPending} onClick={() => save.mutate({ quietHours: { startsLocal, endsLocal } })}>
					{preferences.quietHours ? "Save quiet hours" : "Turn on quiet hours"}
				</IonButton>
				{preferences.quietHours && (
					<IonButton fill="clear" disabled={save.isPending} onClick={() => save.mutate({ quietHours: null })}>
						Turn off
					</IonButton>
				)}
			</div>
			<ErrorNote error={save.error} />
		</>
	);
}

/** Which notifications push where (categories × browser/phone), quiet hours, and push on this device. */
export default function NotificationSettingsPage() {
	const preferences = useNotificationPreferences();
	const save = useSavePreferences();
	return (
		<Screen title="Notification settings" backHref="/tabs/settings">
			<IonList>
				<IonListHeader>This device</IonListHeader>
				<PushOnThisDevice />
			</IonList>
			<ErrorNote error={preferences.error ?? save.error} />
			{preferences.data && (
				<IonList>
					<IonListHeader>Push notifications</IonListHeader>
					<IonItem lines="none">
						<IonLabel className="ion-text-wrap" color="medium">
							Everything always appears in the inbox. Cancelled lessons and account security always push.
						</IonLabel>
					</IonItem>
					{preferences.data.categories.map(({ category, locked, channels }) => (
						<IonItem key={category}>
							<IonLabel className="ion-text-wrap">
								{CATEGORY_NAMES[category] ?? category}
								{locked && <IonNote className="ion-display-block">Always on</IonNote>}
							</IonLabel>
							{(Object.keys(CHANNEL_NAMES) as PushChannel[]).map((channel) => (
								<IonCheckbox
									key={channel}
									slot="end"
									labelPlacement="stacked"
									checked={channels[channel]}
									disabled={locked || save.isPending}
									aria-label={`${CATEGORY_NAMES[category] ?? category}: ${CHANNEL_NAMES[channel]}`}
									onIonChange={(event) => save.mutate({ switches: [{ category, channel, enabled: event.detail.checked }] })}
								>
									{CHANNEL_NAMES[channel]}
								</IonCheckbox>
							))}
						</IonItem>
					))}
					<QuietHoursSetting preferences={preferences.data} />
				</IonList>
			)}
		</Screen>
	);
}
