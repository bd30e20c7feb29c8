import { IonApp, IonList } from "@ionic/react";
import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { QueuedSession } from "../models/sync";
import { presentedAlert, pressInAlert } from "../../test/ionic";
import { QueuedSessionItem } from "./QueuedSessionItem";

function queued(changes: Partial<QueuedSession>): QueuedSession {
	return {
		session: {
			id: "3f0a9c1e-7d2b-4a57-8e61-0c9f2b4d6a11",
			focus: "technique",
			startedAt: "2026-11-26T08:00:00.000Z",
			endedAt: "2026-11-26T08:15:00.000Z"
		},
		ownerId: "ada",
		state: "waiting",
		attempts: 0,
		lastErrorCode: null,
		lastErrorMessage: null,
		queuedAt: "2026-11-26T08:15:00.000Z",
		...changes
	};
}

function renderItem(entry: QueuedSession) {
	const onRetry = vi.fn();
	const onDiscard = vi.fn();
	render(
		<IonApp>
			<IonList>
				<QueuedSessionItem entry={entry} uploads={[]} onRetry={onRetry} onDiscard={onDiscard} />
			</IonList>
		</IonApp>
	);
	return { onRetry, onDiscard };
}

async function confirmInAlert(name: string) {
	pressInAlert(await presentedAlert(), name);
}

describe("a session on this device", () => {
	it("offers nothing to do while it waits to sync", () => {
		renderItem(queued({ state: "waiting", lastErrorCode: "ERR_NETWORK", lastErrorMessage: "unreachable" }));
		expect(screen.queryByText("Try again")).toBeNull();
		expect(screen.queryByText(/Not accepted/)).toBeNull();
	});

	it("shows why the server refused it, in the server's words and code, and sends it again on request", () => {
		const { onRetry } = renderItem(
			queued({
				state: "failed",
				attempts: 1,
				lastErrorCode: "ERR_SESSION_DELETED",
				lastErrorMessage: "This session was deleted"
			})
		);
		expect(screen.getByText(/Not accepted by the server: This session was deleted/)).toHaveTextContent(
			"(ERR_SESSION_DELETED)"
		);
		fireEvent.click(screen.getByText("Try again"));
		expect(onRetry).toHaveBeenCalledWith("3f0a9c1e-7d2b-4a57-8e61-0c9f2b4d6a11");
	});

	it("falls back to the app's words for a refusal that came without a message", () => {
		renderItem(queued({ state: "failed", lastErrorCode: "ERR_FORBIDDEN", lastErrorMessage: null }));
		expect(screen.getByText(/Not accepted by the server: You don't have access to that\./)).toBeInTheDocument();
	});

	it("discards a refused session only once the student confirms", async () => {
		const { onDiscard } = renderItem(
			queued({ state: "failed", lastErrorCode: "ERR_VALIDATION", lastErrorMessage: "No" })
		);
		fireEvent.click(screen.getByText("Discard"));
		expect(onDiscard).not.toHaveBeenCalled();

		await confirmInAlert("Discard");

		expect(onDiscard).toHaveBeenCalledWith("3f0a9c1e-7d2b-4a57-8e61-0c9f2b4d6a11");
	});
});
