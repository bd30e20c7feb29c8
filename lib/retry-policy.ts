import { Errors } from "moleculer";

/** What the retry policy needs to know of an action: is running it twice harmless? */
export interface RetriedAction {
	/** Declared on actions that may run twice with the same effect (internal reads, upserts). */
	idempotent?: boolean;
	/** A create whose id comes from the client (or the gateway, before any retry). */
	idempotentCreate?: boolean;
	rest?: unknown;
}

/** Errors raised before any handler ran: the call can go to another node whatever it does. */
const NEVER_STARTED = [Errors.ServiceNotFoundError, Errors.ServiceNotAvailableError, Errors.RequestRejectedError, Errors.QueueIsFullError];

function readsOnly(rest: unknown): boolean {
	const routes = Array.isArray(rest) ? rest : [rest];
	return routes.length > 0 && routes.every((route) => typeof route === "string" && /^\s*(GET|HEAD)\s/i.test(route));
}

export function isIdempotent(action: RetriedAction | undefined): boolean {
	return Boolean(action && (action.idempotent || action.idempotentCreate || readsOnly(action.rest)));
}

/**
 * Whether a failed call may be tried again. A node that vanished or refused the call never ran
 * it, so any call may go elsewhere. A timeout (or a node lost mid-call) leaves unknown whether the
 * action ran: only an idempotent action is repeated, never a registration or a token refresh,
 * whose second run would answer "already taken" or revoke every session.
 */
export function isSafeToRetry(error: Error, actionOf: (name: string) => RetriedAction | undefined): boolean {
	if (!(error as { retryable?: boolean }).retryable) return false;
	if (NEVER_STARTED.some((type) => error instanceof type)) return true;
	const actionName = (error as { data?: { action?: unknown } }).data?.action;
	return typeof actionName === "string" && isIdempotent(actionOf(actionName));
}
