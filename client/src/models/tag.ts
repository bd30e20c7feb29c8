import type { Focus } from "./session";

export interface Tag {
	id: string;
	name: string;
	/** "#rrggbb" */
	color: string;
	/** The practice focus the tag belongs to; null: any. */
	focus?: Focus | null;
	/** GET /api/tags: whether the caller designed it (a student also sees their teachers' tags). */
	ownedByMe?: boolean;
}

export interface NewTag {
	name: string;
	color: string;
	focus?: Focus | null;
}
