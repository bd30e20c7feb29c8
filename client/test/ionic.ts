import { fireEvent, waitFor } from "@testing-library/react";

/**
 * Ionic inputs are web components: jsdom cannot type into their inner <input>, so tests raise the same
 * ionInput / ionChange events the components emit in a browser.
 */
function ionicElementLabelled(tagName: string, label: string): HTMLElement {
	const element = [...document.querySelectorAll<HTMLElement>(tagName)].find(
		(candidate) => candidate.getAttribute("label") === label
	);
	if (!element) throw new Error(`No ${tagName} labelled "${label}"`);
	return element;
}

export function typeInto(label: string, value: string) {
	fireEvent(ionicElementLabelled("ion-input", label), new CustomEvent("ionInput", { detail: { value } }));
}

export function typeIntoTextarea(label: string, value: string) {
	fireEvent(ionicElementLabelled("ion-textarea", label), new CustomEvent("ionInput", { detail: { value } }));
}

export function choose(label: string, value: string) {
	fireEvent(ionicElementLabelled("ion-select", label), new CustomEvent("ionChange", { detail: { value } }));
}

export function chooseInRadioGroup(label: string, value: unknown) {
	const group = document.querySelector<HTMLElement>(`ion-radio-group[aria-label="${label}"]`);
	if (!group) throw new Error(`No ion-radio-group labelled "${label}"`);
	fireEvent(group, new CustomEvent("ionChange", { detail: { value } }));
}

export function chooseInSegment(label: string, value: string) {
	const segment = document.querySelector<HTMLElement>(`ion-segment[aria-label="${label}"]`);
	if (!segment) throw new Error(`No ion-segment labelled "${label}"`);
	fireEvent(segment, new CustomEvent("ionChange", { detail: { value } }));
}

/** Ionic moves an ion-button's aria-label into its shadow button, which jsdom does not render: buttons are found by their text in their place. */
export function buttonIn(container: HTMLElement, text: string): HTMLElement {
	const button = [...container.querySelectorAll("ion-button")].find((element) => element.textContent?.trim() === text);
	if (!button) throw new Error(`No button says "${text}"`);
	return button as HTMLElement;
}

// Ionic ignores a button pressed while its alert is still being presented; under load a test once
// pressed Cancel in that moment and the alert stayed for good. Alerts are used once presented.
const presentedAlerts = new WeakSet<EventTarget>();
document.addEventListener("ionAlertDidPresent", (event) => event.target && presentedAlerts.add(event.target));

/** The alert on screen whose text includes `text` (any alert without it), once Ionic has presented it. */
export async function presentedAlert(text = ""): Promise<HTMLElement> {
	return waitFor(() => {
		const alert = [...document.querySelectorAll<HTMLElement>("ion-alert")].find((candidate) => candidate.textContent?.includes(text));
		if (!alert) throw new Error(text ? `No alert saying "${text}"` : "No alert shown");
		if (!presentedAlerts.has(alert)) throw new Error("The alert is still being presented");
		return alert;
	});
}

/** Presses the alert's button named `name`. */
export function pressInAlert(alert: HTMLElement, name: string) {
	const button = [...alert.querySelectorAll<HTMLElement>("button")].find((candidate) => candidate.textContent === name);
	if (!button) throw new Error(`No button "${name}" in the alert`);
	fireEvent.click(button);
}
