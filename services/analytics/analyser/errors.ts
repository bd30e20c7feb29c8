import { Errors } from "moleculer";

/** The recording is missing, is not a WAV file we can read, or uses an encoding we do not decode. */
export class RecordingNotDecodableError extends Errors.MoleculerClientError {
	constructor(reason: string, data: Record<string, unknown> = {}) {
		super(`Recording is not decodable: ${reason}`, 422, "ERR_NOT_DECODABLE", { reason, ...data });
		this.name = "RecordingNotDecodableError";
	}
}

export class RecordingTooLongError extends Errors.MoleculerClientError {
	constructor(durationMs: number, maxDurationMs: number) {
		super(`Recording is ${Math.round(durationMs / 1000)} s long; the analyser accepts up to ${maxDurationMs / 1000} s`, 422, "ERR_RECORDING_TOO_LONG", {
			durationMs,
			maxDurationMs
		});
		this.name = "RecordingTooLongError";
	}
}

/** An analysis option is outside the range the metrics are defined for. */
export class InvalidAnalysisOptionError extends Errors.MoleculerClientError {
	constructor(option: string, reason: string) {
		super(`Invalid analysis option "${option}": ${reason}`, 400, "ERR_INVALID_ANALYSIS_OPTION", { option, reason });
		this.name = "InvalidAnalysisOptionError";
	}
}
