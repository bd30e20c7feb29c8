// Records every statement handed to the pg driver while HTTP requests are answered, with the
// connection it went to and when it was sent and answered, so a baseline can replay exactly the
// SQL Etude sends: role and RLS settings, transactions, what ran side by side. A timer's work that
// happens to run meanwhile is not recorded.
import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import pg from "pg";

export interface CapturedStatement {
	text: string;
	values?: unknown[];
	/** Set when the statement was sent as a named prepared statement. */
	name?: string;
	/** Which of the pool's connections carried it (numbered in order of first use). */
	connection: number;
	sentAtMs: number;
	answeredAtMs: number;
}

let recording: CapturedStatement[] | undefined;
let connections = new Map<pg.Client, number>();
let inRequest: AsyncLocalStorage<true> | undefined;

function describe(config: unknown, values: unknown): Pick<CapturedStatement, "text" | "values" | "name"> | undefined {
	if (typeof config === "string") return { text: config, ...(Array.isArray(values) ? { values } : {}) };
	if (!config || typeof config !== "object" || !("text" in config)) return undefined;
	const { text, values: configValues, name } = config as CapturedStatement;
	return { text, ...(configValues ? { values: configValues } : Array.isArray(values) ? { values } : {}), ...(name ? { name } : {}) };
}

/** Installs the recorder into http.Server and pg.Client, once per process. */
function install(): AsyncLocalStorage<true> {
	const requests = new AsyncLocalStorage<true>();
	const emit = http.Server.prototype.emit as (...args: unknown[]) => boolean;
	http.Server.prototype.emit = function emitInRequest(this: http.Server, event: string, ...args: unknown[]) {
		return recording && event === "request" ? requests.run(true, () => emit.call(this, event, ...args)) : emit.call(this, event, ...args);
	} as typeof http.Server.prototype.emit;
	const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
	pg.Client.prototype.query = function capturingQuery(this: pg.Client, ...args: unknown[]) {
		const statement = recording && requests.getStore() && describe(args[0], args[1]);
		if (!recording || !statement) return query.apply(this, args);
		if (!connections.has(this)) connections.set(this, connections.size);
		const captured: CapturedStatement = { ...statement, connection: connections.get(this)!, sentAtMs: performance.now(), answeredAtMs: Number.NaN };
		recording.push(captured);
		const answered = () => (captured.answeredAtMs = performance.now());
		const callbackIndex = args.findIndex((arg) => typeof arg === "function");
		if (callbackIndex >= 0) {
			const callback = args[callbackIndex] as (...results: unknown[]) => void;
			args[callbackIndex] = (...results: unknown[]) => {
				answered();
				callback(...results);
			};
			return query.apply(this, args);
		}
		const result = query.apply(this, args);
		if (result instanceof Promise) result.then(answered, answered);
		return result;
	} as typeof pg.Client.prototype.query;
	return requests;
}

export function startCapture(): void {
	inRequest ??= install();
	recording = [];
	connections = new Map();
}

/** What was recorded since startCapture. */
export function stopCapture(): CapturedStatement[] {
	const captured = recording ?? [];
	recording = undefined;
	connections = new Map();
	// Its promise hooks would slow every later request down.
	inRequest?.disable();
	return captured;
}
