import { IonButton, IonItem, IonLabel, IonList, IonListHeader, IonNote, useIonAlert } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { TextField } from "../components/TextField";
import { useAuth } from "../data/auth-context";
import { useLinkedTeachers, useLinkTeacher, useUpdateProfile } from "../data/queries";
import { A4_MAX_HZ, A4_MIN_HZ } from "../models/user";

const DEFAULT_A4_HZ = 440;

function A4Setting() {
	const { user } = useAuth();
	const updateProfile = useUpdateProfile();
	const [a4Text, setA4Text] = useState(String(user?.a4Hz ?? DEFAULT_A4_HZ));
	const a4Hz = Number(a4Text);
	const a4Valid = Number.isFinite(a4Hz) && a4Hz >= A4_MIN_HZ && a4Hz <= A4_MAX_HZ;

	return (
		<>
			<TextField
				label={`A4 reference in Hz (${A4_MIN_HZ}–${A4_MAX_HZ})`}
				type="number"
				inputmode="decimal"
				min={A4_MIN_HZ}
				max={A4_MAX_HZ}
				value={a4Text}
				onValueChange={setA4Text}
				problem={a4Valid ? undefined : `Choose a reference between ${A4_MIN_HZ} and ${A4_MAX_HZ} Hz.`}
				action={
					<IonButton
						slot="end"
						fill="clear"
						disabled={!a4Valid || a4Hz === user?.a4Hz || updateProfile.isPending}
						onClick={() => updateProfile.mutate({ a4Hz })}
					>
						Save A4
					</IonButton>
				}
			/>
			<ErrorNote error={updateProfile.error} />
		</>
	);
}

function TeacherLink() {
	const teachers = useLinkedTeachers();
	const linkTeacher = useLinkTeacher();
	const [code, setCode] = useState("");

	return (
		<IonList>
			<IonListHeader>Your teachers</IonListHeader>
			{(teachers.data ?? []).map((teacher) => (
				<IonItem key={teacher.id}>
					<IonLabel>{teacher.name}</IonLabel>
				</IonItem>
			))}
			{teachers.data?.length === 0 && (
				<IonItem lines="none">
					<IonLabel color="medium">No teacher linked yet.</IonLabel>
				</IonItem>
			)}
			<TextField
				label="Invite code from your teacher"
				autocapitalize="characters"
				value={code}
				onValueChange={setCode}
				action={
					<IonButton
						slot="end"
						fill="clear"
						disabled={!code.trim() || linkTeacher.isPending}
						onClick={() => linkTeacher.mutate(code.trim(), { onSuccess: () => setCode("") })}
					>
						Link
					</IonButton>
				}
			/>
			{linkTeacher.data && (
				<IonNote className="ion-padding-start" role="status">
					You're now linked with {linkTeacher.data.teacher.name}.
				</IonNote>
			)}
			<ErrorNote error={teachers.error ?? linkTeacher.error} />
		</IonList>
	);
}

export default function SettingsPage() {
	const { user, logout, deleteAccount } = useAuth();
	const [presentAlert] = useIonAlert();
	const [deleteError, setDeleteError] = useState<unknown>(null);

	function confirmDeleteAccount() {
		void presentAlert({
			header: "Delete your account?",
			message: "All your sessions and recordings will be deleted. This cannot be undone.",
			inputs: [
				{
					name: "password",
					type: "password",
					placeholder: "Your password",
					attributes: { "aria-label": "Your password" }
				}
			],
			buttons: [
				{ text: "Cancel", role: "cancel" },
				{
					text: "Delete account",
					role: "destructive",
					handler: (values: { password?: string }) => {
						setDeleteError(null);
						deleteAccount(values.password ?? "").catch(setDeleteError);
					}
				}
			]
		});
	}

	return (
		<Screen title="Settings">
			<IonList>
				<IonListHeader>Profile</IonListHeader>
				<IonItem>
					<IonLabel>
						<h3>{user?.name ?? "Offline"}</h3>
						<p>{user?.email}</p>
						<p>Time zone: {user?.timezone}</p>
					</IonLabel>
				</IonItem>
				{user && <A4Setting />}
				<IonItem lines="none">
					<IonLabel className="ion-text-wrap" color="medium">
						Dark mode follows your device's setting.
					</IonLabel>
				</IonItem>
			</IonList>
			{user?.role !== "teacher" && <TeacherLink />}
			<IonButton expand="block" fill="outline" className="ion-margin" onClick={() => void logout()}>
				Sign out
			</IonButton>
			<IonButton expand="block" color="danger" fill="clear" className="ion-margin" onClick={confirmDeleteAccount}>
				Delete account
			</IonButton>
			<ErrorNote error={deleteError} />
		</Screen>
	);
}
