import { IonButton, IonList, IonRouterLink, IonText } from "@ionic/react";
import { useState, type FormEvent } from "react";
import { ErrorNote } from "../components/ErrorNote";
import { Screen } from "../components/Screen";
import { TextField } from "../components/TextField";
import { useAuth } from "../data/auth-context";
import { useSubmit } from "../data/use-submit";

export function LoginForm() {
	const { login } = useAuth();
	const [email, setEmail] = useState("");
	const [password, setPassword] = useState("");
	const { busy, error, run } = useSubmit(login);

	function submit(event: FormEvent) {
		event.preventDefault();
		void run({ email: email.trim(), password });
	}

	return (
		<form onSubmit={submit} aria-label="Sign in">
			<IonList>
				<TextField label="Email" type="email" autocomplete="email" required value={email} onValueChange={setEmail} />
				<TextField
					label="Password"
					type="password"
					autocomplete="current-password"
					required
					value={password}
					onValueChange={setPassword}
				/>
			</IonList>
			<ErrorNote error={error} />
			<IonButton type="submit" expand="block" className="ion-margin-top" disabled={busy || !email || !password}>
				Sign in
			</IonButton>
		</form>
	);
}

export default function LoginPage() {
	return (
		<Screen title="Etude — sign in" padded>
			<LoginForm />
			<IonText>
				<p className="ion-text-center">
					New to Etude? <IonRouterLink routerLink="/register">Create an account</IonRouterLink>
				</p>
			</IonText>
		</Screen>
	);
}
