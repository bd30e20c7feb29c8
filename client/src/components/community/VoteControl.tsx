import { IonIcon } from "@ionic/react";
import { caretDownOutline, caretUpOutline } from "ionicons/icons";
import type { ForumItemType, VoteValue } from "../../models/community";

interface VoteControlProps {
	itemType: ForumItemType;
	/** What is voted on, for the buttons' names ("question", "answer by Nina"). */
	subject: string;
	score: number;
	myVote: number;
	disabled?: boolean;
	/** 0 retracts: pressing the vote one already cast takes it back. */
	onVote: (value: VoteValue | 0) => void;
}

/** Up, score, down; the pressed state is the caller's own vote. Native buttons: their names stay on the element itself. */
export function VoteControl({ subject, score, myVote, disabled, onVote }: VoteControlProps) {
	return (
		<div className="etude-vote" role="group" aria-label={`Votes on ${subject}`} style={{ display: "flex", flexDirection: "column", alignItems: "center" }}>
			<button
				type="button"
				className={myVote === 1 ? "etude-vote-button etude-vote-cast" : "etude-vote-button"}
				aria-label={`Upvote ${subject}`}
				aria-pressed={myVote === 1}
				disabled={disabled}
				onClick={() => onVote(myVote === 1 ? 0 : 1)}
			>
				<IonIcon icon={caretUpOutline} aria-hidden="true" />
			</button>
			<span aria-label={`Score ${score}`} role="status">
				{score}
			</span>
			<button
				type="button"
				className={myVote === -1 ? "etude-vote-button etude-vote-cast" : "etude-vote-button"}
				aria-label={`Downvote ${subject}`}
				aria-pressed={myVote === -1}
				disabled={disabled}
				onClick={() => onVote(myVote === -1 ? 0 : -1)}
			>
				<IonIcon icon={caretDownOutline} aria-hidden="true" />
			</button>
		</div>
	);
}
