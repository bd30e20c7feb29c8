import { signParts } from "../../lib/signatures";
import { verifyLinkSignature, VIEWER_LINK_LIFETIME_SECONDS } from "./signed-links";

export type Rendition = "quick" | "720p";
export const RENDITIONS: readonly Rendition[] = ["quick", "720p"];

/** How long a playback link handed to the owner or a linked teacher stays valid. */
export const PLAYBACK_URL_LIFETIME_SECONDS = VIEWER_LINK_LIFETIME_SECONDS;

function signature(videoId: string, rendition: Rendition, viewerId: string, expiresAtEpochSeconds: number, secret: string): string {
	return signParts(secret, [videoId, rendition, viewerId, expiresAtEpochSeconds]);
}

/**
 * A playlist address that works without an Authorization header (Safari's native HLS player
 * sends none): the right to watch is the signature, issued only to people who may read the
 * session, and it expires. It names whom it was issued to, so that it stops working the moment
 * that person may no longer watch (a teacher unlinked), not an hour later.
 */
export function signedPlaylistPath(videoId: string, rendition: Rendition, viewerId: string, secret: string, now = Date.now()): string {
	const expires = Math.floor(now / 1000) + PLAYBACK_URL_LIFETIME_SECONDS;
	return `/api/videos/${videoId}/hls/${rendition}.m3u8?viewer=${viewerId}&expires=${expires}&signature=${signature(videoId, rendition, viewerId, expires, secret)}`;
}

export function verifyPlaylistSignature(videoId: string, rendition: Rendition, viewerId: string, expires: number, given: string, secret: string): void {
	verifyLinkSignature(secret, [videoId, rendition, viewerId, expires], expires, given, { invalid: "ERR_PLAYBACK_LINK_INVALID", expired: "ERR_PLAYBACK_LINK_EXPIRED" }, "playback");
}

/**
 * Points every segment and init-section URI of an HLS playlist at a short-lived signed object
 * URL, since the segments themselves sit in a private bucket.
 */
export async function rewritePlaylist(playlist: string, signedUrlFor: (relativeUri: string) => Promise<string>): Promise<string> {
	const lines = playlist.split("\n");
	const rewritten = await Promise.all(
		lines.map(async (line) => {
			if (line.startsWith("#EXT-X-MAP:")) {
				const match = line.match(/URI="([^"]+)"/);
				return match ? line.replace(match[0], `URI="${await signedUrlFor(match[1]!)}"`) : line;
			}
			if (line.trim() === "" || line.startsWith("#")) return line;
			return signedUrlFor(line.trim());
		})
	);
	return rewritten.join("\n");
}
