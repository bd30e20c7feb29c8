import { createHmac, timingSafeEqual } from "node:crypto";
import { EtudeClientError } from "../../lib/errors";

export type Rendition = "quick" | "720p";
export const RENDITIONS: readonly Rendition[] = ["quick", "720p"];

/** How long a playback link handed to the owner or a linked teacher stays valid. */
export const PLAYBACK_URL_LIFETIME_SECONDS = 3600;

function signature(videoId: string, rendition: Rendition, expiresAtEpochSeconds: number, secret: string): string {
	return createHmac("sha256", secret).update(`${videoId}\n${rendition}\n${expiresAtEpochSeconds}`).digest("base64url");
}

/**
 * A playlist address that works without an Authorization header (Safari's native HLS player
 * sends none): the right to watch is the signature, issued only to people who may read the
 * session, and it expires.
 */
export function signedPlaylistPath(videoId: string, rendition: Rendition, secret: string, now = Date.now()): string {
	const expires = Math.floor(now / 1000) + PLAYBACK_URL_LIFETIME_SECONDS;
	return `/api/videos/${videoId}/hls/${rendition}.m3u8?expires=${expires}&signature=${signature(videoId, rendition, expires, secret)}`;
}

export function verifyPlaylistSignature(videoId: string, rendition: Rendition, expires: number, given: string, secret: string): void {
	const expected = Buffer.from(signature(videoId, rendition, expires, secret));
	const actual = Buffer.from(given);
	if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
		throw new EtudeClientError("This playback link is not valid", 403, "ERR_PLAYBACK_LINK_INVALID");
	}
	if (expires * 1000 < Date.now()) throw new EtudeClientError("This playback link has expired; reopen the session", 403, "ERR_PLAYBACK_LINK_EXPIRED");
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
