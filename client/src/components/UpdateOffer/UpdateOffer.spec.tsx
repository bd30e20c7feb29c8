import { act, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { AppUpdates, type ServiceWorkerControl } from "../../data/app-updates";
import { holdReload } from "../../data/reload-guard";
import { UpdateOffer } from "./UpdateOffer";

// Ionic's buttons are custom elements without their shadow DOM here, so they are found by their text.

/** A service worker registration driven by the test: it says when a new version waits or takes control. */
function fakeServiceWorker() {
	let waiting: () => void = () => undefined;
	let controlling: (isUpdate: boolean) => void = () => undefined;
	const skipWaiting = vi.fn<() => void>();
	const control: ServiceWorkerControl = {
		onWaiting: (listener) => (waiting = listener),
		onControlling: (listener) => (controlling = listener),
		skipWaiting
	};
	return {
		control,
		skipWaiting,
		newVersionWaits: () => act(() => waiting()),
		takesControl: (isUpdate = true) => act(() => controlling(isUpdate))
	};
}

function setUp() {
	const worker = fakeServiceWorker();
	const reload = vi.fn();
	const updates = new AppUpdates(worker.control, reload);
	render(<UpdateOffer updates={updates} />);
	return { worker, reload, updates };
}

describe("UpdateOffer", () => {
	it("offers nothing until a new version waits, then loads it only when asked", () => {
		const { worker, reload } = setUp();
		expect(screen.queryByRole("status", { name: "Update available" })).toBeNull();

		worker.newVersionWaits();
		expect(screen.getByRole("status", { name: "Update available" })).toHaveTextContent("A new version of Etude is ready.");
		expect(worker.skipWaiting).not.toHaveBeenCalled();

		fireEvent.click(screen.getByText("Update now"));
		expect(worker.skipWaiting).toHaveBeenCalledOnce();
		// The page reloads once the new version has taken control, not before.
		expect(reload).not.toHaveBeenCalled();
		worker.takesControl();
		expect(reload).toHaveBeenCalledOnce();
	});

	it("stays out of the way while a recording or upload is in progress, and cannot be applied then", () => {
		const { worker, reload, updates } = setUp();
		let release: () => void = () => undefined;
		act(() => {
			release = holdReload();
		});
		worker.newVersionWaits();
		expect(screen.queryByRole("status", { name: "Update available" })).toBeNull();
		expect(updates.apply()).toBe(false);
		expect(worker.skipWaiting).not.toHaveBeenCalled();

		act(() => release());
		expect(screen.getByRole("status", { name: "Update available" })).toBeInTheDocument();
		expect(reload).not.toHaveBeenCalled();
	});

	it("does not reload a page when another tab accepted the update, but offers the reload", () => {
		const { worker, reload } = setUp();
		worker.newVersionWaits();
		worker.takesControl();
		expect(reload).not.toHaveBeenCalled();
		fireEvent.click(screen.getByText("Update now"));
		expect(reload).toHaveBeenCalledOnce();
		expect(worker.skipWaiting).not.toHaveBeenCalled();
	});

	it("can be put off until the next start", () => {
		const { worker } = setUp();
		worker.newVersionWaits();
		fireEvent.click(screen.getByText("Later"));
		expect(screen.queryByRole("status", { name: "Update available" })).toBeNull();
	});

	it("ignores the first service worker taking control of a page that had none", () => {
		const { worker, reload } = setUp();
		worker.takesControl(false);
		expect(screen.queryByRole("status", { name: "Update available" })).toBeNull();
		expect(reload).not.toHaveBeenCalled();
	});
});
