import { useRef, useState, type PointerEvent } from "react";
import type { Drawing, DrawingShape, NormalisedPoint, ShapeKind } from "../../models/teaching";

/** Fewer points than this apart (in 0–1 units) add nothing to a freehand line but size. */
const FREEHAND_MIN_STEP = 0.004;
const FREEHAND_MAX_POINTS = 1000;

interface Box {
	left: number;
	top: number;
	width: number;
	height: number;
}

/**
 * A pointer position as 0–1 of the displayed frame (x from the left, y from the top), clamped to the frame: the
 * drawing then lands on the same spot of the picture at any player size or orientation.
 */
export function normalisedPoint(clientX: number, clientY: number, frame: Box): NormalisedPoint {
	const clamp = (value: number) => Math.min(1, Math.max(0, value));
	const round = (value: number) => Math.round(value * 10_000) / 10_000;
	if (frame.width <= 0 || frame.height <= 0) return [0, 0];
	return [round(clamp((clientX - frame.left) / frame.width)), round(clamp((clientY - frame.top) / frame.height))];
}

/** SVG coordinates are the normalised ones scaled to a 0–100 viewBox stretched over the frame. */
const scale = ([x, y]: NormalisedPoint) => [x * 100, y * 100] as const;

function ShapeView({ shape }: { shape: DrawingShape }) {
	const common = { stroke: shape.color, strokeWidth: 3, fill: "none", vectorEffect: "non-scaling-stroke" as const };
	const [from, to] = [scale(shape.points[0]!), scale(shape.points[shape.points.length - 1]!)];
	switch (shape.kind) {
		case "rect":
			return (
				<rect
					x={Math.min(from[0], to[0])}
					y={Math.min(from[1], to[1])}
					width={Math.abs(to[0] - from[0])}
					height={Math.abs(to[1] - from[1])}
					{...common}
				/>
			);
		case "ellipse":
			return (
				<ellipse
					cx={(from[0] + to[0]) / 2}
					cy={(from[1] + to[1]) / 2}
					rx={Math.abs(to[0] - from[0]) / 2}
					ry={Math.abs(to[1] - from[1]) / 2}
					{...common}
				/>
			);
		case "line":
		case "arrow":
			return (
				<line
					x1={from[0]}
					y1={from[1]}
					x2={to[0]}
					y2={to[1]}
					markerEnd={shape.kind === "arrow" ? "url(#etude-arrowhead)" : undefined}
					{...common}
				/>
			);
		case "freehand":
			return <polyline points={shape.points.map((point) => scale(point).join(",")).join(" ")} {...common} />;
	}
}

interface DrawingOverlayProps {
	drawing: Drawing | null;
	/** When set, pointer strokes add shapes of this kind and colour. */
	tool?: { kind: ShapeKind; color: string };
	onChange?: (drawing: Drawing) => void;
}

/**
 * Shapes over the video frame. Shapes are kept in 0–1 frame coordinates; the SVG stretches a 0–100 box over the
 * frame, so they follow any resizing. With a tool it takes pointer strokes (mouse, pen or finger).
 */
export function DrawingOverlay({ drawing, tool, onChange }: DrawingOverlayProps) {
	const svgRef = useRef<SVGSVGElement>(null);
	const [draft, setDraft] = useState<DrawingShape | null>(null);
	const shapes = [...(drawing?.shapes ?? []), ...(draft ? [draft] : [])];

	function pointOf(event: PointerEvent<SVGSVGElement>): NormalisedPoint {
		return normalisedPoint(event.clientX, event.clientY, svgRef.current!.getBoundingClientRect());
	}

	function start(event: PointerEvent<SVGSVGElement>) {
		if (!tool) return;
		event.currentTarget.setPointerCapture?.(event.pointerId);
		const point = pointOf(event);
		setDraft({ kind: tool.kind, color: tool.color, points: tool.kind === "freehand" ? [point] : [point, point] });
	}

	function move(event: PointerEvent<SVGSVGElement>) {
		if (!draft) return;
		const point = pointOf(event);
		if (draft.kind !== "freehand") {
			setDraft({ ...draft, points: [draft.points[0]!, point] });
			return;
		}
		const last = draft.points[draft.points.length - 1]!;
		const far = Math.hypot(point[0] - last[0], point[1] - last[1]) >= FREEHAND_MIN_STEP;
		if (far && draft.points.length < FREEHAND_MAX_POINTS) setDraft({ ...draft, points: [...draft.points, point] });
	}

	function end() {
		if (!draft) return;
		const [first, last] = [draft.points[0]!, draft.points[draft.points.length - 1]!];
		// A tap without a drag draws nothing.
		if (first[0] !== last[0] || first[1] !== last[1]) onChange?.({ shapes: [...(drawing?.shapes ?? []), draft] });
		setDraft(null);
	}

	return (
		<svg
			ref={svgRef}
			className={`etude-drawing${tool ? " etude-drawing-active" : ""}`}
			viewBox="0 0 100 100"
			preserveAspectRatio="none"
			role="img"
			aria-label={
				tool
					? `Drawing area: drag to draw a ${tool.kind}; ${shapes.length} shapes`
					: `Drawing with ${shapes.length} shapes`
			}
			onPointerDown={start}
			onPointerMove={move}
			onPointerUp={end}
			onPointerCancel={() => setDraft(null)}
		>
			<defs>
				<marker
					id="etude-arrowhead"
					viewBox="0 0 10 10"
					refX="8"
					refY="5"
					markerWidth="6"
					markerHeight="6"
					orient="auto-start-reverse"
				>
					<path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" />
				</marker>
			</defs>
			{shapes.map((shape, index) => (
				<ShapeView key={index} shape={shape} />
			))}
		</svg>
	);
}
