import type { Service, ServiceSchema } from "moleculer";

export interface TimerSpec {
	/** Time between the end of one run and the start of the next. */
	everyMs: number;
	/** The service method to run. */
	method: string;
	/** Run once as soon as the node is fully up (durable channels included), then every `everyMs`. */
	runAtStart?: boolean;
}

interface TimerState {
	timeout?: NodeJS.Timeout;
	running?: Promise<void>;
	stopped: boolean;
}

/**
 * Periodic work of a service: `Cron({ purge: { everyMs: 60_000, method: "purgeDeleted" } })`.
 * Runs never overlap (the next is planned when the last ends), a failing run is logged and the
 * timer goes on, and stopping the service waits for a run in progress. Every node runs its own
 * timers, so the work must be safe to run on several nodes at once (claim rows, or be idempotent).
 * Timers start on `$etude.ready`, once durable channels are up, so a run may send on them.
 */
export function Cron(timers: Record<string, TimerSpec>): Partial<ServiceSchema> {
	return {
		events: {
			"$etude.ready"(this: Service) {
				const states = this.cronTimers as Map<string, TimerState>;
				for (const [name, spec] of Object.entries(timers)) {
					const state: TimerState = { stopped: false };
					states.set(name, state);
					const plan = (delayMs: number) => {
						if (state.stopped) return;
						state.timeout = setTimeout(() => {
							const method = (this as unknown as Record<string, () => Promise<unknown>>)[spec.method];
							state.running = Promise.resolve()
								.then(() => method!.call(this))
								.then(
									() => undefined,
									(error: Error) => this.logger.warn(`Timer ${name} failed; it runs again in ${spec.everyMs} ms`, error)
								)
								.finally(() => plan(spec.everyMs));
						}, delayMs);
						state.timeout.unref?.();
					};
					plan(spec.runAtStart ? 0 : spec.everyMs);
				}
			}
		},

		created(this: Service) {
			for (const spec of Object.values(timers)) {
				if (typeof (this as unknown as Record<string, unknown>)[spec.method] !== "function") {
					throw new Error(`${this.name}: timer method ${spec.method} does not exist`);
				}
			}
			this.cronTimers = new Map<string, TimerState>();
		},

		async stopped(this: Service) {
			const states = [...(this.cronTimers as Map<string, TimerState>).values()];
			for (const state of states) {
				state.stopped = true;
				clearTimeout(state.timeout);
			}
			await Promise.all(states.map((state) => state.running));
		}
	};
}
