import { IonButton, IonChip, IonNote, IonSelect, IonSelectOption, IonSpinner } from "@ionic/react";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { CommentList, type ThreadActions } from "../../components/community/CommentThread";
import { ConfirmButton } from "../../components/community/ConfirmButton";
import { FLAG_REASONS } from "../../components/community/flag-reasons";
import { ForumHtml } from "../../components/community/ForumHtml";
import { ReplyForm } from "../../components/community/ReplyForm";
import { VoteControl } from "../../components/community/VoteControl";
import { ErrorNote } from "../../components/ErrorNote";
import { Screen } from "../../components/Screen";
import { useAuth } from "../../data/auth-context";
import { useAccept, useDeleteComment, useDeletePost, useFlag, useForumStanding, usePost, useReplyToPost, useVote } from "../../data/community-queries";
import type { FlagReason, ForumItemType, ForumStanding } from "../../models/community";
import { formatDateTime } from "../../util/format";

/** The server lets a post's author edit it, and anyone with the editOthers privilege, and moderators. */
function mayEditOthers(standing: ForumStanding | undefined): boolean {
	return Boolean(standing && (standing.isModerator || standing.privileges.some((privilege) => privilege.name === "editOthers" && privilege.granted)));
}

/** A post, its answers and threaded comments, with votes, accept (for the asker), replies and flags. */
export default function QuestionPage() {
	const { postId } = useParams<{ postId: string }>();
	const { user } = useAuth();
	const post = usePost(postId);
	const vote = useVote();
	const accept = useAccept(postId);
	const reply = useReplyToPost(postId);
	const flag = useFlag();
	const standing = useForumStanding();
	const deletePost = useDeletePost(postId);
	const deleteComment = useDeleteComment();
	const [flagging, setFlagging] = useState<{ itemType: ForumItemType; itemId: string } | null>(null);
	const [reason, setReason] = useState<FlagReason>("spam");
	const data = post.data;
	const own = data?.author?.id === user?.id;
	const deleted = data?.status === "deleted";
	const mayEdit = !deleted && (own || mayEditOthers(standing.data));
	const actions: ThreadActions = {
		canAccept: Boolean(data && own && data.kind === "question"),
		myUserId: user?.id,
		busy: vote.isPending || accept.isPending || deleteComment.isPending,
		vote: (itemType, itemId, value) => vote.mutate({ itemType, itemId, value }),
		accept: (answerId) => accept.mutate(answerId),
		reply: (body, parentId) => reply.mutateAsync({ body, parentId }),
		flag: (itemType, itemId) => {
			flag.reset();
			setFlagging({ itemType, itemId });
		},
		deleteComment: (commentId) => deleteComment.mutate(commentId)
	};
	return (
		<Screen title={data?.kind === "discussion" ? "Discussion" : "Question"} backHref="/tabs/community">
			{post.isPending && <IonSpinner aria-label="Loading the post" />}
			<ErrorNote error={post.error ?? vote.error ?? accept.error ?? deletePost.error ?? deleteComment.error} />
			{data && (
				<div className="ion-padding">
					<article aria-label={data.title || "Deleted post"}>
						<h1>{deleted ? <em>Deleted</em> : data.title}</h1>
						<div style={{ display: "flex", gap: 8 }}>
							<VoteControl
								itemType="post"
								subject={data.kind}
								score={data.score}
								myVote={data.myVote}
								disabled={own || deleted || actions.busy}
								onVote={(value) => actions.vote("post", data.id, value)}
							/>
							<div style={{ flex: 1 }}>
								{deleted ? <p role="note">This {data.kind} was deleted. Its answers and comments stay in place.</p> : <ForumHtml html={data.html} />}
								<div>
									{data.tags.map((tag) => (
										<IonChip key={tag}>{tag}</IonChip>
									))}
								</div>
								<IonNote>
									{data.author ? `${data.author.name} (${data.author.reputation})` : "—"} · {formatDateTime(data.createdAt)}
									{data.status === "pending" ? " · waiting for review" : ""}
									{data.status === "hidden" ? " · hidden until a moderator looks at it" : ""}
								</IonNote>
								{!deleted && (
									<div>
										{mayEdit && (
											<IonButton fill="clear" size="small" routerLink={`/tabs/community/${data.id}/edit`} aria-label={`Edit this ${data.kind}`}>
												Edit
											</IonButton>
										)}
										{data.revision > 1 && (
											<IonButton fill="clear" size="small" routerLink={`/tabs/community/${data.id}/history`} aria-label={`History of this ${data.kind} (${data.revision} revisions)`}>
												History
											</IonButton>
										)}
										{own ? (
											<ConfirmButton
												name={`Delete this ${data.kind}`}
												label="Delete"
												question={`Delete this ${data.kind}? Its answers stay in place.`}
												confirmLabel={`Yes, delete the ${data.kind}`}
												disabled={deletePost.isPending}
												onConfirm={() => deletePost.mutate()}
											/>
										) : (
											<IonButton fill="clear" size="small" color="medium" aria-label={`Flag this ${data.kind}`} onClick={() => actions.flag("post", data.id)}>
												Flag
											</IonButton>
										)}
									</div>
								)}
							</div>
						</div>
					</article>
					{flagging && (
						<form
							aria-label="Flag"
							onSubmit={(event) => {
								event.preventDefault();
								flag.mutate({ ...flagging, reason }, { onSuccess: () => setFlagging(null) });
							}}
						>
							<IonSelect label="Reason for the flag" labelPlacement="stacked" value={reason} onIonChange={(event) => setReason(event.detail.value as FlagReason)}>
								{FLAG_REASONS.map((option) => (
									<IonSelectOption key={option.reason} value={option.reason}>
										{option.label}
									</IonSelectOption>
								))}
							</IonSelect>
							<IonButton type="submit" size="small" disabled={flag.isPending}>
								Send flag
							</IonButton>
							<IonButton fill="clear" size="small" onClick={() => setFlagging(null)}>
								Cancel flag
							</IonButton>
							<ErrorNote error={flag.error} />
						</form>
					)}
					{flag.isSuccess && <p role="status">Thank you: the moderators will look at it.</p>}
					<h2>{data.answerCount === 1 ? "1 answer" : `${data.answerCount} answers`}</h2>
					<CommentList comments={data.comments} actions={actions} label="Answers" />
					{data.status === "visible" && (
						<ReplyForm label="Your answer" submitLabel="Post answer" onSubmit={(body) => reply.mutateAsync({ body })} />
					)}
				</div>
			)}
		</Screen>
	);
}
