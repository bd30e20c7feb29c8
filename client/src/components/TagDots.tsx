import type { Tag } from "../models/tag";

export function TagDots({ tags }: { tags: Tag[] }) {
	return (
		<>
			{tags.map((tag) => (
				<span
					key={tag.id}
					className="etude-tag-dot"
					style={{ backgroundColor: tag.color }}
					title={tag.name}
					aria-label={`Tag ${tag.name}`}
					role="img"
				/>
			))}
		</>
	);
}
