import { ApiError, CLIENT_ERROR_CODES } from "./api-error";

const MESSAGES: Record<string, string> = {
	ERR_EMAIL_TAKEN: "An account with this email already exists. Try signing in instead.",
	ERR_VALIDATION: "Some details need fixing — see the highlighted fields.",
	ERR_INVALID_CREDENTIALS: "That email and password don't match. Check them and try again.",
	ERR_INVALID_REFRESH_TOKEN: "You've been signed out. Please sign in again.",
	ERR_INVALID_TOKEN: "You've been signed out. Please sign in again.",
	ERR_TOKEN_EXPIRED: "You've been signed out. Please sign in again.",
	ERR_INVITE_INVALID: "That invite code doesn't work. Ask your teacher for a new one.",
	ERR_NOT_FOUND: "We couldn't find that. It may have been deleted.",
	ERR_FORBIDDEN: "You don't have access to that.",
	ERR_RATE_LIMITED: "Too many tries in a short time. Wait a minute and try again.",
	ERR_NOT_DECODABLE: "We couldn't read that recording. Try recording again.",
	[CLIENT_ERROR_CODES.network]: "You're offline or the server can't be reached. Check your connection and try again.",
	[CLIENT_ERROR_CODES.unexpectedResponse]: "Something went wrong on our side. Please try again in a moment.",
	[CLIENT_ERROR_CODES.signedOut]: "You've been signed out. Please sign in again.",
	[CLIENT_ERROR_CODES.uploadsUnavailable]:
		"Recordings can't be uploaded yet. Your session is saved without its recording.",
	[CLIENT_ERROR_CODES.offlineStoreUnavailable]:
		"This device's storage isn't ready, so the session wasn't saved. Close and reopen the app, then try again."
};

const FALLBACK = "Something went wrong. Please try again.";

/** getUserMedia's refusals, by DOMException name. */
const MEDIA_MESSAGES: Record<string, string> = {
	NotAllowedError: "Etude needs your camera and microphone to record. Allow them for Etude in your settings.",
	NotFoundError: "No camera or microphone was found on this device.",
	NotReadableError: "Another app is using the camera or microphone. Close it and try again."
};

/** Words a student understands for an error code from the API or the app. */
export function describeCode(code: string): string {
	return MESSAGES[code] ?? FALLBACK;
}

/** Words a student understands for any error the app can meet. */
export function describeError(error: unknown): string {
	if (error instanceof ApiError) {
		return MESSAGES[error.code] ?? (error.status >= 500 ? MESSAGES[CLIENT_ERROR_CODES.unexpectedResponse]! : FALLBACK);
	}
	if (error instanceof DOMException) return MEDIA_MESSAGES[error.name] ?? FALLBACK;
	return FALLBACK;
}

/** Field-level problems keyed by field name, for showing beside the inputs. */
export function fieldProblems(error: unknown): Record<string, string> {
	if (!(error instanceof ApiError)) return {};
	return Object.fromEntries(error.fields.map((problem) => [problem.field, problem.message]));
}
