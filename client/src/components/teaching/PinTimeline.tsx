import type { FeedbackItem } from "../../models/teaching";
import { formatClock } from "../../util/format";

/** Where on the bar a moment sits, in percent of the recording; kept on the bar for a pin a few ms past the end. */
export function positionPercent(tMs: number, durationMs: number): number {
	if (durationMs <= 0) return 0;
	return Math.min(100, Math.max(0, (tMs / durationMs) * 100));
}

interface PinTimelineProps {
	pins: FeedbackItem[];
	durationMs: number;
	currentMs: number;
	selectedPinId?: string;
	onSelect: (pin: FeedbackItem) => void;
	/** Left and right insets of the time axis, to line up with a chart's plot area under it. */
	insetPx?: number;
}

/**
 * The recording's time as a bar, with a button for each pin at its moment (a range spans its length) and the
 * playhead. Choosing a pin seeks to it: the page does that in onSelect.
 */
export function PinTimeline({ pins, durationMs, currentMs, selectedPinId, onSelect, insetPx = 0 }: PinTimelineProps) {
	return (
		<div
			className="etude-pin-timeline"
			style={{ marginInline: `${insetPx}px` }}
			role="group"
			aria-label={`Feedback pins, ${pins.length} on ${formatClock(durationMs)} of recording`}
		>
			<div className="etude-pin-track">
				<div
					className="etude-playhead"
					style={{ left: `${positionPercent(currentMs, durationMs)}%` }}
					aria-hidden="true"
				/>
				{pins.map((pin) => {
					const tMs = pin.tMs ?? 0;
					const left = positionPercent(tMs, durationMs);
					const width = pin.endTMs ? positionPercent(pin.endTMs, durationMs) - left : 0;
					return (
						<button
							key={pin.id}
							type="button"
							className={`etude-pin${pin.id === selectedPinId ? " etude-pin-selected" : ""}${width ? " etude-pin-range" : ""}`}
							style={{ left: `${left}%`, ...(width ? { width: `${width}%` } : {}) }}
							aria-pressed={pin.id === selectedPinId}
							aria-label={`Pin at ${formatClock(tMs)}${pin.endTMs ? ` to ${formatClock(pin.endTMs)}` : ""}: ${pin.text}`}
							title={`${formatClock(tMs)} ${pin.text}`}
							data-t-ms={tMs}
							onClick={() => onSelect(pin)}
						/>
					);
				})}
			</div>
			<div className="etude-pin-scale" aria-hidden="true">
				<span>0:00</span>
				<span>{formatClock(durationMs)}</span>
			</div>
		</div>
	);
}
