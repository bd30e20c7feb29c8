import { IonButton, IonChip, IonIcon, IonItem, IonList, IonSpinner, IonTextarea } from "@ionic/react";
import { closeOutline } from "ionicons/icons";
import { useEffect, useState, type ReactNode } from "react";
import { useForumTags, useMarkdownPreview } from "../../data/community-queries";
import { attachForumMedia, type AttachMedia } from "../../data/forum-attachments";
import { ErrorNote } from "../ErrorNote";
import { TextField } from "../TextField";
import { ForumHtml } from "./ForumHtml";
import { MediaAttachButton } from "./MediaAttachButton";

const MAX_TAGS = 5;
const PREVIEW_DELAY_MS = 300;
/** The server's minimums (community.service.ts postParams). */
const MIN_TITLE_CHARS = 10;
const MIN_BODY_CHARS = 20;

export interface PostDraft {
	title: string;
	body: string;
	tags: string[];
}

const EMPTY_DRAFT: PostDraft = { title: "", body: "", tags: [] };

/** The draft as it rests: the preview asks the server once typing pauses. */
function useSettled(value: string, delayMs: number): string {
	const [settled, setSettled] = useState(value);
	useEffect(() => {
		const timer = setTimeout(() => setSettled(value), delayMs);
		return () => clearTimeout(timer);
	}, [value, delayMs]);
	return settled;
}

function sameDraft(a: PostDraft, b: PostDraft): boolean {
	return a.title === b.title && a.body === b.body && a.tags.join(",") === b.tags.join(",");
}

interface PostFormProps {
	/** The form's accessible name. */
	label: string;
	/** The post as it is, when editing; sending is possible once something differs from it. */
	initial?: PostDraft;
	submitLabel: string;
	busy: boolean;
	error: unknown;
	onSubmit: (draft: PostDraft) => void;
	/** Fields above the title (the kind of a new post). */
	children?: ReactNode;
	/** How a picture or clip is uploaded and processed (tests give their own). */
	attachMedia?: AttachMedia;
}

/** The reference on a paragraph of its own after what is written. */
function withReference(body: string, markdown: string): string {
	const trimmed = body.replace(/\s+$/, "");
	return `${trimmed ? `${trimmed}\n\n` : ""}${markdown}\n`;
}

/** Title, markdown body and tags of a post, the body previewed as the server will store it, tags suggested from those in use. */
export function PostForm({ label, initial = EMPTY_DRAFT, submitLabel, busy, error, onSubmit, children, attachMedia = attachForumMedia }: PostFormProps) {
	const [title, setTitle] = useState(initial.title);
	const [body, setBody] = useState(initial.body);
	const [tagInput, setTagInput] = useState("");
	const [tags, setTags] = useState<string[]>(initial.tags);
	const preview = useMarkdownPreview(useSettled(body, PREVIEW_DELAY_MS));
	const suggestions = useForumTags(tagInput.trim().toLowerCase());
	const draft: PostDraft = { title, body, tags };

	function addTag(raw: string) {
		const tag = raw.trim().toLowerCase();
		if (tag && !tags.includes(tag) && tags.length < MAX_TAGS) setTags([...tags, tag]);
		setTagInput("");
	}

	return (
		<form
			aria-label={label}
			onSubmit={(event) => {
				event.preventDefault();
				onSubmit(draft);
			}}
		>
			{children}
			<IonList>
				<TextField label="Title" value={title} onValueChange={setTitle} maxlength={150} />
				<IonItem>
					<IonTextarea label="Body (markdown)" labelPlacement="stacked" autoGrow rows={6} value={body} onIonInput={(event) => setBody(event.detail.value ?? "")} />
				</IonItem>
				<MediaAttachButton attach={attachMedia} onInsert={(markdown) => setBody((current) => withReference(current, markdown))} />
				{/* Enter or a comma adds the tag instead of posting. The listener sits on a plain element: Ionic's React
				    wrappers probe unknown on* props with an inline handler, which the Content-Security-Policy refuses. */}
				<div
					onKeyDown={(event) => {
						if (event.key === "Enter" || event.key === ",") {
							event.preventDefault();
							addTag(tagInput);
						}
					}}
				>
					<TextField
						label="Tags"
						value={tagInput}
						onValueChange={setTagInput}
						disabled={tags.length >= MAX_TAGS}
						action={
							<IonButton slot="end" fill="clear" disabled={!tagInput.trim()} onClick={() => addTag(tagInput)}>
								Add tag
							</IonButton>
						}
					/>
				</div>
			</IonList>
			<div className="ion-padding-horizontal">
				{tags.map((tag) => (
					<IonChip key={tag} onClick={() => setTags(tags.filter((other) => other !== tag))} aria-label={`Remove tag ${tag}`}>
						{tag}
						<IonIcon icon={closeOutline} aria-hidden="true" />
					</IonChip>
				))}
				{tagInput.trim() && suggestions.data && suggestions.data.length > 0 && (
					<div aria-label="Tag suggestions" role="group">
						{suggestions.data
							.filter(({ tag }) => !tags.includes(tag))
							.slice(0, 6)
							.map(({ tag, posts }) => (
								<IonChip key={tag} outline onClick={() => addTag(tag)} aria-label={`Add tag ${tag} (${posts} posts)`}>
									{tag}
								</IonChip>
							))}
					</div>
				)}
			</div>
			<section aria-label="Preview" className="ion-padding">
				<h2>Preview</h2>
				{preview.isFetching && <IonSpinner aria-label="Rendering the preview" />}
				<ErrorNote error={preview.error} />
				{body.trim() && preview.data && <ForumHtml html={preview.data.html} />}
			</section>
			<ErrorNote error={error} />
			<div className="ion-padding">
				<IonButton
					type="submit"
					expand="block"
					disabled={busy || title.trim().length < MIN_TITLE_CHARS || body.trim().length < MIN_BODY_CHARS || sameDraft(draft, initial)}
				>
					{submitLabel}
				</IonButton>
			</div>
		</form>
	);
}
