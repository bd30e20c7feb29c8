import { IonApp } from "@ionic/react";
import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { UnclaimedWork } from "../data/sync-context";
import { presentedAlert, pressInAlert } from "../../test/ionic";
import { UnclaimedWorkList } from "./UnclaimedWorkList";

const SESSION_ID = "9d1e2f3a-4b5c-4d6e-8f70-112233445566";
const RECORDING_ONLY_ID = "9d1e2f3a-4b5c-4d6e-8f70-665544332211";

const work: UnclaimedWork[] = [
	{
		sessionId: SESSION_ID,
		entry: {
			session: {
				id: SESSION_ID,
				focus: "repertoire",
				startedAt: "2026-11-20T16:00:00.000Z",
				endedAt: "2026-11-20T16:45:00.000Z",
				note: "Sibling's private note"
			},
			ownerId: null,
			state: "waiting",
			attempts: 0,
			lastErrorCode: null,
			lastErrorMessage: null,
			queuedAt: "2026-11-20T16:45:00.000Z"
		},
		recording: { sessionId: SESSION_ID, videoBytes: 12_300_000, sensorSamples: null }
	},
	{ sessionId: RECORDING_ONLY_ID, recording: { sessionId: RECORDING_ONLY_ID, videoBytes: null, sensorSamples: 640 } }
];

function renderList() {
	const onClaim = vi.fn();
	const onDiscard = vi.fn();
	render(
		<IonApp>
			<UnclaimedWorkList work={work} accountName="Ben" onClaim={onClaim} onDiscard={onDiscard} />
		</IonApp>
	);
	return { onClaim, onDiscard };
}

describe("work kept on the device without an owner", () => {
	it("is listed so its owner can recognise it, without its private note", () => {
		renderList();
		const list = document.querySelector('ion-list[aria-label="Saved on this device without an account"]');
		expect(list).toHaveTextContent("Repertoire");
		expect(list).toHaveTextContent("45 min · with 12.3 MB of video");
		expect(list).toHaveTextContent("A recording");
		expect(list).toHaveTextContent("640 motion samples");
		expect(list).not.toHaveTextContent("Sibling's private note");
	});

	it("is claimed only after the student confirms it is theirs, naming the account it goes to", async () => {
		const { onClaim } = renderList();
		fireEvent.click(screen.getAllByText("It's mine")[0]!);

		const alert = await presentedAlert("it will be uploaded to Ben's account");
		expect(onClaim).not.toHaveBeenCalled();
		pressInAlert(alert, "Yes, it's mine");

		expect(onClaim).toHaveBeenCalledWith(SESSION_ID);
	});

	it("is discarded for everyone only after a warning", async () => {
		const { onDiscard, onClaim } = renderList();
		fireEvent.click(screen.getAllByText("Discard")[1]!);

		pressInAlert(await presentedAlert("deleted from this device for everyone"), "Discard");

		expect(onDiscard).toHaveBeenCalledWith(RECORDING_ONLY_ID);
		expect(onClaim).not.toHaveBeenCalled();
	});

	it("shows nothing when there is nothing unclaimed", () => {
		render(<UnclaimedWorkList work={[]} accountName="Ben" onClaim={vi.fn()} onDiscard={vi.fn()} />);
		expect(document.querySelector("ion-list")).toBeNull();
	});
});
