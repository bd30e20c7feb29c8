import { fireEvent } from "@testing-library/react";

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
