import { IonSpinner } from "@ionic/react";
import { lazy, Suspense, type ComponentType } from "react";

export function Loading() {
	return (
		<div className="etude-loading" role="status" aria-label="Loading">
			<IonSpinner />
		</div>
	);
}

/** A screen whose code is fetched the first time it is shown, with a spinner meanwhile. */
export function lazyScreen(load: () => Promise<{ default: ComponentType }>): ComponentType {
	const Screen = lazy(load);
	return function LazyScreen() {
		return (
			<Suspense fallback={<Loading />}>
				<Screen />
			</Suspense>
		);
	};
}
