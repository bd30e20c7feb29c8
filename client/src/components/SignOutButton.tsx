import { IonButton, useIonAlert, useIonRouter } from "@ionic/react";
import { useAuth } from "../data/auth-context";
import { useSync, type UnsentWork, type UnsentWorkChoice } from "../data/sync-context";

function counted(count: number, one: string, many: string): string {
	return `${count} ${count === 1 ? one : many}`;
}

/** "2 sessions and 1 recording", leaving out what there is none of. */
export function describeUnsentWork({ sessions, recordings }: UnsentWork): string {
	return [
		sessions > 0 ? counted(sessions, "session", "sessions") : null,
		recordings > 0 ? counted(recordings, "recording", "recordings") : null
	]
		.filter(Boolean)
		.join(" and ");
}

/**
 * Signs out; when this account still has work on the device that never reached the server, says how much and
 * lets the student keep it for their next sign-in here (nobody else can send or see it) or discard it.
 */
export function SignOutButton() {
	const { logout } = useAuth();
	const { unsent, leave } = useSync();
	const [presentAlert] = useIonAlert();
	const router = useIonRouter();

	async function signOut(choice: UnsentWorkChoice) {
		await leave(choice);
		await logout();
		// A fresh stack: the sign-in page an earlier visit left hidden in the outlet would otherwise stay hidden.
		router.push("/login", "root", "replace");
	}

	function start() {
		if (unsent.sessions + unsent.recordings === 0) {
			void signOut("keep");
			return;
		}
		const what = describeUnsentWork(unsent);
		void presentAlert({
			header: "Not uploaded yet",
			message:
				`${what} on this device ${unsent.sessions + unsent.recordings === 1 ? "has" : "have"} not reached your ` +
				"account yet. Keep them here, locked to your account: they upload the next time you sign in on this " +
				"device, and nobody else who signs in here can see or send them. Or discard them for good.",
			buttons: [
				{ text: "Cancel", role: "cancel" },
				{ text: "Keep and sign out", handler: () => void signOut("keep") },
				{ text: `Discard ${what} and sign out`, role: "destructive", handler: () => void signOut("discard") }
			]
		});
	}

	return (
		<IonButton expand="block" fill="outline" className="ion-margin" onClick={start}>
			Sign out
		</IonButton>
	);
}
