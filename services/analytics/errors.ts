import { EtudeClientError } from "../../lib/errors";

export type AnalysisState = "not_received" | "pending" | "failed";

const STATE_MESSAGES: Record<AnalysisState, string> = {
	not_received: "This session has no recording to analyse yet",
	pending: "This session's recording is being analysed; try again shortly",
	failed: "This session's recording could not be analysed"
};

/**
 * No analysed recording yet. The message says which state in words; `data` (the response's
 * `details`) carries the state and failure code.
 */
export class MetricsNotReadyError extends EtudeClientError {
	constructor(state: AnalysisState, failure?: { code: string; message: string }) {
		super(
			failure ? `${STATE_MESSAGES[state]} (${failure.code}: ${failure.message})` : STATE_MESSAGES[state],
			404,
			"ERR_METRICS_NOT_READY",
			{ state, ...(failure ? { failureCode: failure.code, failureReason: failure.message } : {}) }
		);
	}
}
