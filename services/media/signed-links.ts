import { EtudeClientError } from "../../lib/errors";
import { isSignatureOf, signParts } from "../../lib/signatures";

/** How long a link handed to a viewer stays valid (playback and forum media alike). */
export const VIEWER_LINK_LIFETIME_SECONDS = 3600;

/** Constant-time comparison, then expiry; `what` names the link in the refusal ("playback", "media"). */
export function verifyLinkSignature(secret: string, parts: readonly (string | number)[], expires: number, given: string, codes: { invalid: string; expired: string }, what: string): void {
	if (!isSignatureOf(secret, parts, given)) {
		throw new EtudeClientError(`This ${what} link is not valid`, 403, codes.invalid);
	}
	if (expires * 1000 < Date.now()) throw new EtudeClientError(`This ${what} link has expired; reload the page`, 403, codes.expired);
}

const FORUM_MEDIA_REFUSALS = { invalid: "ERR_MEDIA_LINK_INVALID", expired: "ERR_MEDIA_LINK_EXPIRED" };

/**
 * The query of a forum media link: it names its viewer and expires, like a playback link, and opens
 * every file of one item (picture, clip, poster). Made when a post is read, never stored.
 */
export function signedForumMediaQuery(mediaId: string, viewerId: string, secret: string, now = Date.now()): string {
	const expires = Math.floor(now / 1000) + VIEWER_LINK_LIFETIME_SECONDS;
	return `viewer=${viewerId}&expires=${expires}&signature=${signParts(secret, ["forum-media", mediaId, viewerId, expires])}`;
}

export function verifyForumMediaLink(mediaId: string, viewerId: string, expires: number, given: string, secret: string): void {
	verifyLinkSignature(secret, ["forum-media", mediaId, viewerId, expires], expires, given, FORUM_MEDIA_REFUSALS, "media");
}
