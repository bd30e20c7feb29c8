import { useEffect, useState } from "react";

/** Tablets and wider get split panes: the list beside the chosen item. */
export const SPLIT_PANE_QUERY = "(min-width: 768px)";

export function useWideScreen(): boolean {
	const [wide, setWide] = useState(() => globalThis.matchMedia?.(SPLIT_PANE_QUERY).matches ?? false);
	useEffect(() => {
		const query = globalThis.matchMedia?.(SPLIT_PANE_QUERY);
		if (!query) return;
		const update = () => setWide(query.matches);
		query.addEventListener("change", update);
		return () => query.removeEventListener("change", update);
	}, []);
	return wide;
}
