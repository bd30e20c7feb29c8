import {
	IonButton,
	IonItem,
	IonLabel,
	IonList,
	IonRouterLink,
	IonSegment,
	IonSegmentButton,
	IonText
} from "@ionic/react";
import { useState, type FormEvent } from "react";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { TextField } from "../components/TextField";
import { useAuth } from "../data/auth-context";
import { fieldProblems } from "../data/error-messages";
import { useSubmit } from "../data/use-submit";
import { PASSWORD_MIN_LENGTH, type Role } from "../models/user";
import { deviceTimezone } from "../util/format";

export function RegisterForm() {
	const { register } = useAuth();
	const [name, setName] = useState("");
	const [email, setEmail] = useState("");
	const [password, setPassword] = useState("");
	const [role, setRole] = useState<Role>("student");
	const { busy, error, run } = useSubmit(register);

	const problems = fieldProblems(error);
	const passwordTooShort = password.length > 0 && password.length < PASSWORD_MIN_LENGTH;
	const complete = name.trim() !== "" && email.trim() !== "" && password.length >= PASSWORD_MIN_LENGTH;

	function submit(event: FormEvent) {
		event.preventDefault();
		if (!complete) return;
		void run({ name: name.trim(), email: email.trim(), password, role, timezone: deviceTimezone() });
	}

	return (
		<form onSubmit={submit} aria-label="Create an account">
			<IonList>
				<TextField
					label="Your name"
					autocomplete="name"
					required
					value={name}
					onValueChange={setName}
					problem={problems.name}
				/>
				<TextField
					label="Email"
					type="email"
					autocomplete="email"
					required
					value={email}
					onValueChange={setEmail}
					problem={problems.email}
				/>
				<TextField
					label={`Password (at least ${PASSWORD_MIN_LENGTH} characters)`}
					type="password"
					autocomplete="new-password"
					required
					minlength={PASSWORD_MIN_LENGTH}
					value={password}
					onValueChange={setPassword}
					problem={passwordTooShort ? `Use at least ${PASSWORD_MIN_LENGTH} characters.` : problems.password}
				/>
				<IonItem lines="none">
					<IonSegment
						aria-label="I am a"
						value={role}
						onIonChange={(event) => setRole(event.detail.value === "teacher" ? "teacher" : "student")}
					>
						<IonSegmentButton value="student">
							<IonLabel>Student</IonLabel>
						</IonSegmentButton>
						<IonSegmentButton value="teacher">
							<IonLabel>Teacher</IonLabel>
						</IonSegmentButton>
					</IonSegment>
				</IonItem>
			</IonList>
			<ErrorNote error={error} />
			<IonButton type="submit" expand="block" className="ion-margin-top" disabled={busy || !complete}>
				Create account
			</IonButton>
		</form>
	);
}

export default function RegisterPage() {
	return (
		<Screen title="Etude — create account" padded>
			<RegisterForm />
			<IonText>
				<p className="ion-text-center">
					Already have an account? <IonRouterLink routerLink="/login">Sign in</IonRouterLink>
				</p>
			</IonText>
		</Screen>
	);
}
