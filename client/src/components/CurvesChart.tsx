import {
	CategoryScale,
	Chart,
	Legend,
	LinearScale,
	LineController,
	LineElement,
	PointElement,
	Tooltip
} from "chart.js";
import { useEffect, useRef } from "react";
import type { CurvePoint, SessionCurves } from "../models/analytics";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

const SERIES = [
	{ key: "loudness", label: "Loudness (dBFS)", color: "#3949ab", axis: "loudness" },
	{ key: "deviation", label: "Intonation (cents from the nearest note)", color: "#e65100", axis: "cents" }
] as const;

/**
 * Both value axes take this width, so the plotted time runs between two known insets: a pin timeline laid over the
 * same insets shares the chart's time axis.
 */
export const CURVE_AXIS_WIDTH_PX = 64;

const fixedWidth = (scale: { width: number }) => {
	scale.width = CURVE_AXIS_WIDTH_PX;
};

function toXY(points: CurvePoint[]) {
	return points.map((point) => ({ x: point.tMs / 1000, y: point.value }));
}

/** Loudness and intonation over the recording, on one time axis in seconds. */
export function CurvesChart({ curves, durationMs }: { curves: SessionCurves; durationMs: number }) {
	const canvasRef = useRef<HTMLCanvasElement>(null);

	useEffect(() => {
		if (!canvasRef.current) return;
		const chart = new Chart(canvasRef.current, {
			type: "line",
			data: {
				datasets: SERIES.map((series) => ({
					label: series.label,
					data: toXY(curves[series.key]),
					borderColor: series.color,
					backgroundColor: series.color,
					pointRadius: 0,
					borderWidth: 1.5,
					yAxisID: series.axis
				}))
			},
			options: {
				responsive: true,
				maintainAspectRatio: false,
				parsing: false,
				animation: false,
				scales: {
					// The whole take from 0, so the chart lines up with the player's pin timeline above it.
					x: { type: "linear", min: 0, max: durationMs / 1000, title: { display: true, text: "seconds" } },
					loudness: { position: "left", title: { display: true, text: "dBFS" }, afterFit: fixedWidth },
					cents: {
						position: "right",
						title: { display: true, text: "cents" },
						grid: { drawOnChartArea: false },
						afterFit: fixedWidth
					}
				}
			}
		});
		return () => chart.destroy();
	}, [curves, durationMs]);

	const durationS = Math.round(durationMs / 1000);
	return (
		<div className="etude-chart">
			<canvas
				ref={canvasRef}
				role="img"
				aria-label={`Loudness and intonation over ${durationS} seconds of recording`}
			/>
		</div>
	);
}
