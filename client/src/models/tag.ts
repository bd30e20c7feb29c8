export interface Tag {
	id: string;
	name: string;
	/** "#rrggbb" */
	color: string;
}

export interface NewTag {
	name: string;
	color: string;
}
