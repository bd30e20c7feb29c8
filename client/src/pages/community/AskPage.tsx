import { useState } from "react";
import { useHistory } from "react-router-dom";
import { ChoiceSegment } from "../../components/ChoiceSegment";
import { PostForm } from "../../components/community/PostForm";
import { Screen } from "../../components/Screen";
import { useAsk } from "../../data/community-queries";
import type { PostKind } from "../../models/community";

const KINDS: Array<{ value: PostKind; label: string }> = [
	{ value: "question", label: "Question" },
	{ value: "discussion", label: "Discussion" }
];

/** Ask a question or start a discussion. */
export default function AskPage() {
	const history = useHistory();
	const [kind, setKind] = useState<PostKind>("question");
	const ask = useAsk();
	return (
		<Screen title="Ask" backHref="/tabs/community">
			<PostForm
				label="Ask the community"
				submitLabel={kind === "question" ? "Post question" : "Post discussion"}
				busy={ask.isPending}
				error={ask.error}
				onSubmit={(draft) => ask.mutate({ kind, ...draft }, { onSuccess: (post) => history.replace(`/tabs/community/${post.id}`) })}
			>
				<ChoiceSegment label="Kind of post" value={kind} choices={KINDS} onChange={setKind} />
			</PostForm>
		</Screen>
	);
}
