import { IonButton, IonNote } from "@ionic/react";
import { useState } from "react";
import type { ForumComment, ForumItemType, VoteValue } from "../../models/community";
import { formatDateTime } from "../../util/format";
import { ConfirmButton } from "./ConfirmButton";
import { ForumHtml } from "./ForumHtml";
import { ReplyForm } from "./ReplyForm";
import { VoteControl } from "./VoteControl";

export const MAX_COMMENT_DEPTH = 6;

export interface ThreadActions {
	/** The asker of a question may accept (or withdraw) an answer. */
	canAccept: boolean;
	myUserId: string | undefined;
	busy: boolean;
	vote: (itemType: ForumItemType, itemId: string, value: VoteValue | 0) => void;
	accept: (answerId: string | null) => void;
	reply: (body: string, parentId: string) => Promise<unknown>;
	flag: (itemType: ForumItemType, itemId: string) => void;
	/** One's own answer or comment; it stays as a tombstone. */
	deleteComment: (commentId: string) => void;
}

function subjectOf(comment: ForumComment): string {
	const by = comment.author ? ` by ${comment.author.name}` : "";
	return `${comment.kind}${by}`;
}

/** One answer or comment with its replies, in the server's order (accepted first, then score, time, id). */
export function CommentItem({ comment, actions }: { comment: ForumComment; actions: ThreadActions }) {
	const [replying, setReplying] = useState(false);
	const deleted = comment.status === "deleted";
	const own = comment.author?.id === actions.myUserId;
	const subject = subjectOf(comment);
	return (
		<li data-comment-id={comment.id} style={{ listStyle: "none", marginLeft: comment.depth > 1 ? 16 : 0, borderLeft: comment.depth > 1 ? "2px solid var(--ion-color-light)" : undefined, paddingLeft: 8 }}>
			<article aria-label={subject}>
				<div style={{ display: "flex", gap: 8 }}>
					<VoteControl
						itemType="comment"
						subject={subject}
						score={comment.score}
						myVote={comment.myVote}
						disabled={deleted || own || actions.busy}
						onVote={(value) => actions.vote("comment", comment.id, value)}
					/>
					<div style={{ flex: 1 }}>
						{comment.accepted && <strong role="note">✓ Accepted answer</strong>}
						{deleted ? <p><em>Deleted</em></p> : <ForumHtml html={comment.html} />}
						<IonNote>
							{comment.author ? `${comment.author.name} (${comment.author.reputation})` : "—"} · {formatDateTime(comment.createdAt)}
						</IonNote>
						{!deleted && (
							<div>
								{comment.depth < MAX_COMMENT_DEPTH && (
									<IonButton fill="clear" size="small" aria-label={`Reply to ${subject}`} aria-expanded={replying} onClick={() => setReplying(!replying)}>
										Reply
									</IonButton>
								)}
								{comment.kind === "answer" && actions.canAccept && (
									<IonButton fill="clear" size="small" disabled={actions.busy} onClick={() => actions.accept(comment.accepted ? null : comment.id)}>
										{comment.accepted ? `Withdraw acceptance of ${subject}` : `Accept ${subject}`}
									</IonButton>
								)}
								{own ? (
									<ConfirmButton
										name={`Delete ${subject}`}
										label="Delete"
										question={`Delete this ${comment.kind}?`}
										confirmLabel={`Yes, delete the ${comment.kind}`}
										disabled={actions.busy}
										onConfirm={() => actions.deleteComment(comment.id)}
									/>
								) : (
									<IonButton fill="clear" size="small" color="medium" aria-label={`Flag ${subject}`} onClick={() => actions.flag("comment", comment.id)}>
										Flag
									</IonButton>
								)}
							</div>
						)}
						{replying && (
							<ReplyForm
								label={`Your reply to ${subject}`}
								submitLabel="Post reply"
								onSubmit={async (body) => {
									await actions.reply(body, comment.id);
									setReplying(false);
								}}
							/>
						)}
					</div>
				</div>
			</article>
			{comment.replies.length > 0 && <CommentList comments={comment.replies} actions={actions} label={`Replies to ${subject}`} />}
		</li>
	);
}

export function CommentList({ comments, actions, label }: { comments: ForumComment[]; actions: ThreadActions; label: string }) {
	return (
		<ul aria-label={label} style={{ padding: 0 }}>
			{comments.map((comment) => (
				<CommentItem key={comment.id} comment={comment} actions={actions} />
			))}
		</ul>
	);
}
