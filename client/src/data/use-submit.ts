import { useState } from "react";

/** Runs an async action for a form, tracking whether it is busy and the error it ended with. */
export function useSubmit<Args extends unknown[]>(action: (...args: Args) => Promise<unknown>) {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<unknown>(null);

	async function run(...args: Args): Promise<void> {
		setBusy(true);
		setError(null);
		try {
			await action(...args);
		} catch (caught) {
			setError(caught);
		} finally {
			setBusy(false);
		}
	}

	return { busy, error, run };
}
