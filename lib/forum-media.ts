/**
 * Where forum pictures and clips are served, shared by the media service (which serves and signs)
 * and the markdown pipeline (which only lets such addresses into a page).
 */
export const FORUM_MEDIA_BASE_PATH = "/api/forum-media";
export const FORUM_MEDIA_FILES = ["image.jpg", "clip.mp4", "poster.jpg"] as const;
export type ForumMediaFile = (typeof FORUM_MEDIA_FILES)[number];

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** `![caption](media:<id>)`: the one image reference the community renders. */
export const MEDIA_REFERENCE = new RegExp(`^media:(${UUID})$`);

/** Our serving route, with nothing after it but a signed link's query. */
export const FORUM_MEDIA_SRC = new RegExp(`^${FORUM_MEDIA_BASE_PATH}/${UUID}/(${FORUM_MEDIA_FILES.join("|").replace(/\./g, "\\.")})(\\?viewer=${UUID}&expires=\\d+&signature=[\\w-]+)?$`);

/** What a page needs to embed one item: its kind, its size (no layout shift), its file addresses. */
export interface EmbeddableMedia {
	kind: "image" | "clip";
	width: number;
	height: number;
	/** The picture or the clip. */
	src: string;
	/** A clip's poster. */
	poster: string | null;
}

/** The unsigned address of a file: what a stored rendering holds (useless without a signature). */
export function forumMediaPath(mediaId: string, file: ForumMediaFile, signedQuery?: string): string {
	return `${FORUM_MEDIA_BASE_PATH}/${mediaId}/${file}${signedQuery ? `?${signedQuery}` : ""}`;
}
