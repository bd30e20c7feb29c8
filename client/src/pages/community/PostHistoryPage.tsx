import { IonChip, IonItem, IonLabel, IonList, IonNote, IonSpinner } from "@ionic/react";
import { useParams } from "react-router-dom";
import { ErrorNote } from "../../components/ErrorNote";
import { Screen } from "../../components/Screen";
import { usePost, usePostRevisions } from "../../data/community-queries";
import type { PostRevision } from "../../models/community";
import { formatDateTime } from "../../util/format";

/** Revisions carry the editor's id only; the post says who its author is. */
function editorOf(revision: PostRevision, authorId: string | undefined): string {
	if (revision.editorId === null) return "a former member";
	return revision.editorId === authorId ? "the author" : "another member";
}

/** A post's revisions, newest first, each as it was written (markdown source, title and tags). */
export default function PostHistoryPage() {
	const { postId } = useParams<{ postId: string }>();
	const post = usePost(postId);
	const revisions = usePostRevisions(postId);
	return (
		<Screen title="History" backHref={`/tabs/community/${postId}`}>
			{revisions.isPending && <IonSpinner aria-label="Loading the history" />}
			<ErrorNote error={revisions.error} />
			{post.data && <h1 className="ion-padding-horizontal">{post.data.title || "Deleted post"}</h1>}
			<IonList aria-label="Revisions">
				{revisions.data?.map((revision, index) => (
					<IonItem key={revision.revision}>
						<IonLabel className="ion-text-wrap">
							<h2>
								Revision {revision.revision}
								{index === 0 ? " (current)" : ""}
							</h2>
							<IonNote>
								{formatDateTime(revision.createdAt)} · by {editorOf(revision, post.data?.author?.id)}
							</IonNote>
							<h3>{revision.title}</h3>
							<p style={{ whiteSpace: "pre-wrap" }}>{revision.markdown}</p>
							{revision.tags.map((tag) => (
								<IonChip key={tag}>{tag}</IonChip>
							))}
						</IonLabel>
					</IonItem>
				))}
			</IonList>
		</Screen>
	);
}
