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
	ERR_POST_NOT_FOUND: "That post isn't there any more. It may have been deleted.",
	ERR_COMMENT_NOT_FOUND: "That answer or comment isn't there any more. It may have been deleted.",
	ERR_ITEM_NOT_FOUND: "That post or comment isn't there any more: it was deleted, or someone already decided on it.",
	[CLIENT_ERROR_CODES.network]: "You're offline or the server can't be reached. Check your connection and try again.",
	[CLIENT_ERROR_CODES.unexpectedResponse]: "Something went wrong on our side. Please try again in a moment.",
	[CLIENT_ERROR_CODES.signedOut]: "You've been signed out. Please sign in again.",
	[CLIENT_ERROR_CODES.uploadsUnavailable]:
		"Recordings can't be uploaded yet. Your session is saved without its recording.",
	[CLIENT_ERROR_CODES.offlineStoreUnavailable]:
		"This device's storage isn't ready, so the session wasn't saved. Close and reopen the app, then try again."
};

const FALLBACK = "Something went wrong. Please try again.";

/**
 * The community's refusals (services/community/errors.ts and its ForumStateErrors): the server words them for
 * people, with what only it knows (the reputation needed, the date a silence ends), so its message is shown.
 */
const SERVER_WORDED_CODES: ReadonlySet<string> = new Set([
	"ERR_PRIVILEGE_REQUIRED",
	"ERR_SILENCED",
	"ERR_TOO_MANY_LINKS",
	"ERR_TOO_MANY_IMAGES",
	"ERR_POSTING_TOO_FAST",
	"ERR_DAILY_LIMIT",
	"ERR_SELF_VOTE",
	"ERR_OWN_ITEM",
	"ERR_ALREADY_FLAGGED",
	"ERR_POST_DELETED",
	"ERR_NOT_VOTABLE",
	"ERR_NOT_A_QUESTION",
	"ERR_THREAD_TOO_DEEP",
	// Pictures and clips for posts: the limit, or the reason processing failed, is the server's.
	"ERR_UPLOAD_TOO_LARGE",
	"ERR_QUOTA_EXCEEDED",
	"ERR_MEDIA_FAILED",
	"ERR_MEDIA_NOT_FOUND",
	"ERR_MEDIA_NOT_READY"
]);

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
		if (SERVER_WORDED_CODES.has(error.code)) return error.message;
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
