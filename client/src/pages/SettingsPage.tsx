import { IonButton, IonItem, IonLabel, IonList, IonListHeader, IonNote, useIonAlert } from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { SignOutButton } from "../components/SignOutButton";
import { TextField } from "../components/TextField";
import { useAuth } from "../data/auth-context";
import { useSync } from "../data/sync-context";
import {
	useCreateInvite,
	useLinkedStudents,
	useLinkedTeachers,
	useLinkTeacher,
	useUpdateProfile
} from "../data/queries";
import type { LinkedPerson } from "../models/user";
import { formatDateTime } from "../util/format";
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

function PeopleList({ people, emptyText }: { people: LinkedPerson[] | undefined; emptyText: string }) {
	if (people?.length === 0) {
		return (
			<IonItem lines="none">
				<IonLabel color="medium">{emptyText}</IonLabel>
			</IonItem>
		);
	}
	return (
		<>
			{(people ?? []).map((person) => (
				<IonItem key={person.id}>
					<IonLabel>{person.name}</IonLabel>
				</IonItem>
			))}
		</>
	);
}

/** Teachers hand out invite codes; students type them in to link. */
function StudentInvites() {
	const students = useLinkedStudents();
	const createInvite = useCreateInvite();
	return (
		<IonList>
			<IonListHeader>Your students</IonListHeader>
			<PeopleList people={students.data} emptyText="No students linked yet." />
			<IonButton
				expand="block"
				fill="outline"
				className="ion-margin"
				onClick={() => createInvite.mutate()}
				disabled={createInvite.isPending}
			>
				Create an invite code
			</IonButton>
			{createInvite.data && (
				<IonNote className="ion-padding-horizontal ion-display-block" role="status">
					Give your student the code <strong className="etude-invite-code">{createInvite.data.code}</strong>. It works
					until {formatDateTime(createInvite.data.expiresAt)}.
				</IonNote>
			)}
			<ErrorNote error={students.error ?? createInvite.error} />
		</IonList>
	);
}

function TeacherLink() {
	const teachers = useLinkedTeachers();
	const linkTeacher = useLinkTeacher();
	const [code, setCode] = useState("");

	return (
		<IonList>
			<IonListHeader>Your teachers</IonListHeader>
			<PeopleList people={teachers.data} emptyText="No teacher linked yet." />
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
	const { user, deleteAccount } = useAuth();
	const { leave } = useSync();
	const [presentAlert] = useIonAlert();
	const [deleteError, setDeleteError] = useState<unknown>(null);

	function confirmDeleteAccount() {
		void presentAlert({
			header: "Delete your account?",
			message:
				"All your sessions and recordings will be deleted, with anything of yours still waiting on this device. This cannot be undone.",
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
						// The account is gone: what it left unsent on this device could never be uploaded.
						deleteAccount(values.password ?? "").then(() => leave("discard"), setDeleteError);
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
				<IonItem routerLink="/tabs/settings/notifications" detail>
					<IonLabel>Notifications</IonLabel>
				</IonItem>
				<IonItem lines="none">
					<IonLabel className="ion-text-wrap" color="medium">
						Dark mode follows your device's setting.
					</IonLabel>
				</IonItem>
			</IonList>
			{user?.role === "teacher" ? <StudentInvites /> : <TeacherLink />}
			<SignOutButton />
			<IonButton expand="block" color="danger" fill="clear" className="ion-margin" onClick={confirmDeleteAccount}>
				Delete account
			</IonButton>
			<ErrorNote error={deleteError} />
		</Screen>
	);
}
