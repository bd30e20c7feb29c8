/** Where the gateway accepts resumable uploads (tus 1.0); the app learns it from POST /api/sessions. */
export const UPLOAD_PATH = "/api/uploads";

/** Upload-Metadata `kind` of a picture or clip for the community (no session). */
export const FORUM_UPLOAD_KINDS = ["forum-image", "forum-clip"] as const;
export type ForumUploadKind = (typeof FORUM_UPLOAD_KINDS)[number];

/**
 * A forum upload's id says what it is for (`forum-<media id>`), so that every later request on it
 * (HEAD, PATCH, DELETE) goes to the forum media's own checks, which any member passes, without a
 * lookup first; a recording's upload id is a bare UUID and stays a student's.
 */
export const FORUM_UPLOAD_ID = /^forum-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function forumMediaIdOf(uploadId: string): string | null {
	return FORUM_UPLOAD_ID.exec(uploadId)?.[1] ?? null;
}
