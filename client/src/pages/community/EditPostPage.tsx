import { IonSpinner } from "@ionic/react";
import { useHistory, useParams } from "react-router-dom";
import { PostForm } from "../../components/community/PostForm";
import { ErrorNote } from "../../components/ErrorNote";
import { Screen } from "../../components/Screen";
import { useEditPost, usePost } from "../../data/community-queries";

/** Edit a post (one's own, or another's with the editOthers privilege); the server keeps every version as a revision. */
export default function EditPostPage() {
	const { postId } = useParams<{ postId: string }>();
	const history = useHistory();
	const post = usePost(postId);
	const edit = useEditPost(postId);
	const postHref = `/tabs/community/${postId}`;
	const data = post.data;
	return (
		<Screen title="Edit" backHref={postHref}>
			{post.isPending && <IonSpinner aria-label="Loading the post" />}
			<ErrorNote error={post.error} />
			{data && (
				<PostForm
					// A new revision from elsewhere starts the form again from what the server holds.
					key={data.revision}
					label={`Edit the ${data.kind}`}
					initial={{ title: data.title, body: data.markdown, tags: data.tags }}
					submitLabel="Save changes"
					busy={edit.isPending}
					error={edit.error}
					onSubmit={(draft) => edit.mutate(draft, { onSuccess: () => history.replace(postHref) })}
				/>
			)}
		</Screen>
	);
}
