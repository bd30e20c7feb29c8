import {
	IonButton,
	IonIcon,
	IonItem,
	IonLabel,
	IonList,
	IonSegment,
	IonSegmentButton,
	IonSelect,
	IonSelectOption,
	IonTextarea,
	IonToggle
} from "@ionic/react";
import { playSkipBackOutline, playSkipForwardOutline } from "ionicons/icons";
import { useRef, useState } from "react";
import { useAddPin, useDeleteFeedback, useUpdateFeedback, useVideoFeedback } from "../../data/teaching-queries";
import type { SessionCurves } from "../../models/analytics";
import type { SessionVideo } from "../../models/session";
import type { Drawing, FeedbackItem, ShapeKind } from "../../models/teaching";
import { formatClock, formatMetricValue, metricLabel } from "../../util/format";
import { CURVE_AXIS_WIDTH_PX, CurvesChart } from "../CurvesChart";
import { ErrorNote } from "../ErrorNote";
import { VideoPlayer } from "../VideoPlayer";
import { DrawingOverlay } from "./DrawingOverlay";
import { FeedbackReplies, FeedbackText } from "./FeedbackThread";
import { PinTimeline } from "./PinTimeline";
import { useFrameClock } from "./use-frame-clock";

const TOOLS: Array<{ kind: ShapeKind; label: string }> = [
	{ kind: "arrow", label: "Arrow" },
	{ kind: "rect", label: "Box" },
	{ kind: "ellipse", label: "Circle" },
	{ kind: "freehand", label: "Freehand" }
];
const DEFAULT_DRAWING_COLOR = "#ffeb3b";
/** What a pin may be about: the server stores the take's measured value at the pin's moment beside it. */
const PIN_METRICS: Array<{ key: string; label: string }> = [
	{ key: "deviation", label: "Intonation at this moment" },
	{ key: "loudness", label: "Loudness at this moment" },
	{ key: "pitch", label: "Pitch at this moment" }
];

function metricText(metric: NonNullable<FeedbackItem["metric"]>): string {
	const label =
		PIN_METRICS.find((candidate) => candidate.key === metric.key)?.label.replace(" at this moment", "") ??
		metricLabel(metric.key);
	return `${label}: ${formatMetricValue(metric.value)}${metric.unit ? ` ${metric.unit}` : ""}`;
}

interface RecordingReviewProps {
	video: SessionVideo & { hlsUrl: string };
	/** The take's length: the analysis's when there is one, else the probed duration. */
	durationMs: number;
	curves?: SessionCurves;
	/** A linked teacher pins feedback; the student reads, jumps and replies. */
	canPin: boolean;
	/** The signed-in person, who may delete their own pins. */
	userId: string | undefined;
}

/** Your own pin's text, changed in place (PATCH /api/feedback/:id). */
function PinTextEditor({ pin, onDone }: { pin: FeedbackItem; onDone: () => void }) {
	const update = useUpdateFeedback();
	const [text, setText] = useState(pin.text);
	return (
		<IonItem lines="none">
			<IonTextarea
				label={`Text of the pin at ${formatClock(pin.tMs ?? 0)}`}
				labelPlacement="stacked"
				autoGrow
				maxlength={4000}
				value={text}
				onIonInput={(event) => setText(event.detail.value ?? "")}
			/>
			<IonButton
				slot="end"
				fill="clear"
				disabled={!text.trim() || update.isPending}
				onClick={() => update.mutate({ feedbackId: pin.id, changes: { text: text.trim() } }, { onSuccess: onDone })}
			>
				Save pin
			</IonButton>
			<ErrorNote error={update.error} />
		</IonItem>
	);
}

/** A pin in the list: its moment (a button that seeks), who wrote it, its text, the measured value, its replies. */
function PinEntry({
	pin,
	selected,
	mine,
	onSelect
}: {
	pin: FeedbackItem;
	selected: boolean;
	mine: boolean;
	onSelect: (pin: FeedbackItem) => void;
}) {
	const deletePin = useDeleteFeedback();
	const [editing, setEditing] = useState(false);
	const at = formatClock(pin.tMs ?? 0);
	return (
		<article aria-label={`Pin at ${at}`} className={selected ? "etude-pin-entry-selected" : undefined}>
			<IonItem lines="none">
				<IonButton slot="start" fill={selected ? "solid" : "outline"} size="small" onClick={() => onSelect(pin)}>
					Go to {at}
				</IonButton>
				<IonLabel className="ion-text-wrap">
					<p>
						{pin.author.name}
						{pin.drawing?.shapes.length ? " · with a drawing" : ""}
						{pin.metric ? ` · ${metricText(pin.metric)}` : ""}
					</p>
					<FeedbackText item={pin} />
				</IonLabel>
				{mine && !editing && (
					<IonButton slot="end" fill="clear" onClick={() => setEditing(true)}>
						Edit pin at {at}
					</IonButton>
				)}
				{mine && (
					<IonButton slot="end" fill="clear" color="danger" onClick={() => deletePin.mutate(pin.id)}>
						Delete pin at {at}
					</IonButton>
				)}
			</IonItem>
			{editing && <PinTextEditor pin={pin} onDone={() => setEditing(false)} />}
			<ErrorNote error={deletePin.error} />
			<FeedbackReplies item={pin} />
		</article>
	);
}

/**
 * A recording with its feedback: the HLS player with the drawing over the frame, the pin timeline and the take's
 * curves on the same time axis, frame stepping, and the pins with their replies. Choosing a pin seeks to its moment
 * and shows its drawing; for a teacher, typing a comment pauses playback and "Add pin" pins it at the shown frame.
 */
export function RecordingReview({ video, durationMs, curves, canPin, userId }: RecordingReviewProps) {
	const videoRef = useRef<HTMLVideoElement>(null);
	const clock = useFrameClock(videoRef);
	const feedback = useVideoFeedback(video.id);
	const addPin = useAddPin(video.id);
	const [selectedPinId, setSelectedPinId] = useState<string | undefined>();
	const [comment, setComment] = useState("");
	const [drawingOn, setDrawingOn] = useState(false);
	const [toolKind, setToolKind] = useState<ShapeKind>("arrow");
	const [color, setColor] = useState(DEFAULT_DRAWING_COLOR);
	const [draft, setDraft] = useState<Drawing>({ shapes: [] });
	const [metricKey, setMetricKey] = useState<string | undefined>();

	const pins = (feedback.data?.items ?? []).filter((item) => item.kind === "pin");
	const selectedPin = pins.find((pin) => pin.id === selectedPinId);
	const composing = canPin && (drawingOn || draft.shapes.length > 0);
	const shownDrawing = composing ? draft : (selectedPin?.drawing ?? null);
	const at = formatClock(clock.currentMs);

	function select(pin: FeedbackItem) {
		setSelectedPinId(pin.id);
		clock.seek(pin.tMs ?? 0);
	}

	function submitPin() {
		const text = comment.trim();
		if (!text) return;
		const tMs = Math.round(clock.currentMs);
		addPin.mutate(
			{
				tMs,
				text,
				...(draft.shapes.length > 0 ? { drawing: draft } : {}),
				...(metricKey ? { metric: { key: metricKey } } : {})
			},
			{
				onSuccess: (pin) => {
					setComment("");
					setDraft({ shapes: [] });
					setDrawingOn(false);
					setMetricKey(undefined);
					setSelectedPinId(pin.id);
				}
			}
		);
	}

	return (
		<section className="etude-review" aria-label="Recording review">
			<VideoPlayer hlsUrl={video.hlsUrl} posterUrl={video.thumbnailUrl} label="Practice recording" videoRef={videoRef}>
				<DrawingOverlay
					drawing={shownDrawing}
					tool={composing && drawingOn ? { kind: toolKind, color } : undefined}
					onChange={setDraft}
				/>
			</VideoPlayer>
			<div className="etude-review-controls">
				<IonButton fill="clear" onClick={() => clock.step(-1)} aria-label="Previous frame">
					<IonIcon slot="icon-only" icon={playSkipBackOutline} aria-hidden="true" />
				</IonButton>
				<span className="etude-review-time" role="timer" aria-label={`Position ${at}`}>
					{at} / {formatClock(durationMs)}
				</span>
				<IonButton fill="clear" onClick={() => clock.step(1)} aria-label="Next frame">
					<IonIcon slot="icon-only" icon={playSkipForwardOutline} aria-hidden="true" />
				</IonButton>
			</div>
			<PinTimeline
				insetPx={curves ? CURVE_AXIS_WIDTH_PX : 0}
				pins={pins}
				durationMs={durationMs}
				currentMs={clock.currentMs}
				selectedPinId={selectedPinId}
				onSelect={select}
			/>
			{curves && <CurvesChart curves={curves} durationMs={durationMs} />}
			<ErrorNote error={feedback.error} />
			{canPin && (
				<form
					aria-label="Pin feedback"
					onSubmit={(event) => {
						event.preventDefault();
						submitPin();
					}}
				>
					<IonItem>
						<IonTextarea
							label={`Comment at ${at}`}
							labelPlacement="stacked"
							autoGrow
							maxlength={4000}
							value={comment}
							onIonFocus={clock.pause}
							onIonInput={(event) => {
								clock.pause();
								setComment(event.detail.value ?? "");
							}}
						/>
					</IonItem>
					{curves && (
						<IonItem>
							<IonSelect
								label="About"
								labelPlacement="stacked"
								interface="popover"
								value={metricKey ?? "none"}
								onIonChange={(event) =>
									setMetricKey(event.detail.value === "none" ? undefined : (event.detail.value as string))
								}
							>
								<IonSelectOption value="none">The playing in general</IonSelectOption>
								{PIN_METRICS.map((metric) => (
									<IonSelectOption key={metric.key} value={metric.key}>
										{metric.label}
									</IonSelectOption>
								))}
							</IonSelect>
						</IonItem>
					)}
					<IonItem lines="none">
						<IonToggle checked={drawingOn} onIonChange={(event) => setDrawingOn(event.detail.checked)}>
							Draw on the frame
						</IonToggle>
					</IonItem>
					{drawingOn && (
						<IonItem lines="none">
							<IonSegment
								aria-label="Drawing tool"
								value={toolKind}
								onIonChange={(event) => setToolKind(event.detail.value as ShapeKind)}
							>
								{TOOLS.map((tool) => (
									<IonSegmentButton key={tool.kind} value={tool.kind}>
										<IonLabel>{tool.label}</IonLabel>
									</IonSegmentButton>
								))}
							</IonSegment>
							<input
								type="color"
								aria-label="Drawing colour"
								value={color}
								onChange={(event) => setColor(event.target.value)}
							/>
							<IonButton
								fill="clear"
								disabled={draft.shapes.length === 0}
								onClick={() => setDraft({ shapes: draft.shapes.slice(0, -1) })}
							>
								Undo shape
							</IonButton>
						</IonItem>
					)}
					<IonButton type="submit" expand="block" className="ion-margin" disabled={!comment.trim() || addPin.isPending}>
						Add pin at {at}
						{draft.shapes.length > 0
							? ` with ${draft.shapes.length} ${draft.shapes.length === 1 ? "shape" : "shapes"}`
							: ""}
					</IonButton>
					<ErrorNote error={addPin.error} />
				</form>
			)}
			<IonList aria-label="Pins on this recording">
				{pins.length === 0 && (
					<IonItem lines="none">
						<IonLabel>
							{canPin ? "No pins yet. Pause on a moment and comment on it." : "No feedback on this recording yet."}
						</IonLabel>
					</IonItem>
				)}
				{pins.map((pin) => (
					<PinEntry
						key={pin.id}
						pin={pin}
						selected={pin.id === selectedPinId}
						mine={pin.author.id === userId}
						onSelect={select}
					/>
				))}
			</IonList>
		</section>
	);
}
