import { IonApp, setupIonicReact } from "@ionic/react";
import { IonReactRouter } from "@ionic/react-router";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { AuthContext, type AuthState } from "../data/auth-context";
import { SyncContext, type SyncState, type UnsentWork } from "../data/sync-context";
import { presentedAlert, pressInAlert } from "../../test/ionic";
import { describeUnsentWork, SignOutButton } from "./SignOutButton";

// Without animations an alert leaves the page as soon as it is dismissed: jsdom does not always
// finish Ionic's leave animation, and the cancel case waits for the alert to go.
setupIonicReact({ animated: false });

/** Renders the button with stand-ins for auth and sync that record, in order, what signing out did. */
function renderSignOut(unsent: UnsentWork) {
	const calls: string[] = [];
	const auth = { logout: vi.fn(async () => void calls.push("logout")) } as unknown as AuthState;
	const sync = {
		unsent,
		leave: vi.fn(async (choice: string) => void calls.push(`leave:${choice}`))
	} as unknown as SyncState;
	window.history.replaceState(null, "", "/tabs/settings");
	render(
		<IonApp>
			<IonReactRouter>
				<AuthContext.Provider value={auth}>
					<SyncContext.Provider value={sync}>
						<SignOutButton />
					</SyncContext.Provider>
				</AuthContext.Provider>
			</IonReactRouter>
		</IonApp>
	);
	return calls;
}

describe("signing out", () => {
	it("counts what is waiting in plain words", () => {
		expect(describeUnsentWork({ sessions: 2, recordings: 1 })).toBe("2 sessions and 1 recording");
		expect(describeUnsentWork({ sessions: 1, recordings: 0 })).toBe("1 session");
		expect(describeUnsentWork({ sessions: 0, recordings: 3 })).toBe("3 recordings");
	});

	it("signs out at once when nothing is waiting, stopping the sync before the tokens go", async () => {
		const calls = renderSignOut({ sessions: 0, recordings: 0 });
		fireEvent.click(screen.getByText("Sign out"));
		await waitFor(() => expect(calls).toEqual(["leave:keep", "logout"]));
		await waitFor(() => expect(window.location.pathname).toBe("/login"));
		expect(document.querySelector("ion-alert")).toBeNull();
	});

	it("says how much has not reached the account and keeps it locked to the student when asked", async () => {
		const calls = renderSignOut({ sessions: 1, recordings: 0 });
		fireEvent.click(screen.getByText("Sign out"));

		const alert = await presentedAlert();
		expect(alert).toHaveTextContent("1 session on this device has not reached your account yet");
		expect(alert).toHaveTextContent("nobody else who signs in here can see or send them");
		expect(calls).toEqual([]);
		pressInAlert(alert, "Keep and sign out");

		await waitFor(() => expect(calls).toEqual(["leave:keep", "logout"]));
	});

	it("discards the waiting work only from its own, named button", async () => {
		const calls = renderSignOut({ sessions: 2, recordings: 1 });
		fireEvent.click(screen.getByText("Sign out"));

		pressInAlert(await presentedAlert(), "Discard 2 sessions and 1 recording and sign out");

		await waitFor(() => expect(calls).toEqual(["leave:discard", "logout"]));
	});

	it("does nothing when the student cancels", async () => {
		const calls = renderSignOut({ sessions: 0, recordings: 2 });
		fireEvent.click(screen.getByText("Sign out"));

		const alert = await presentedAlert();
		expect(alert).toHaveTextContent("2 recordings on this device have not reached your account yet");
		pressInAlert(alert, "Cancel");

		await waitFor(() => expect(document.querySelector("ion-alert")).toBeNull());
		expect(calls).toEqual([]);
	});
});
