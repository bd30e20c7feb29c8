import type { Focus } from "./session";

export type { Tag, TagSuggestion } from "../../../contracts/practice";

export interface NewTag {
	name: string;
	color: string;
	focus?: Focus | null;
}
