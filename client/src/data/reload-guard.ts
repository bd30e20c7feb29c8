/**
 * Work that reloading the page would cut short: a recording being made, an upload on the wire. An app update
 * waits while any is held (see app-updates.ts).
 */
let holds = 0;
const listeners = new Set<() => void>();

function notify() {
	listeners.forEach((listener) => listener());
}

/** Marks work in progress; call the returned function (once or more) when it ends. */
export function holdReload(): () => void {
	holds += 1;
	notify();
	let released = false;
	return () => {
		if (released) return;
		released = true;
		holds -= 1;
		notify();
	};
}

export function reloadIsSafe(): boolean {
	return holds === 0;
}

export function onReloadSafetyChange(listener: () => void): () => void {
	listeners.add(listener);
	return () => listeners.delete(listener);
}
