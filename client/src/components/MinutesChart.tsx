import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from "chart.js";
import { useEffect, useRef } from "react";
import type { MinutesOnDay } from "../models/analytics";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

function primaryColor(): string {
	return getComputedStyle(document.documentElement).getPropertyValue("--ion-color-primary").trim() || "#3949ab";
}

export function MinutesChart({ minutesPerDay }: { minutesPerDay: MinutesOnDay[] }) {
	const canvasRef = useRef<HTMLCanvasElement>(null);

	useEffect(() => {
		if (!canvasRef.current) return;
		const chart = new Chart(canvasRef.current, {
			type: "bar",
			data: {
				labels: minutesPerDay.map((day) => day.date.slice(5)),
				datasets: [{ label: "Minutes", data: minutesPerDay.map((day) => day.minutes), backgroundColor: primaryColor() }]
			},
			options: {
				responsive: true,
				maintainAspectRatio: false,
				scales: { y: { beginAtZero: true, title: { display: true, text: "minutes" } } }
			}
		});
		return () => chart.destroy();
	}, [minutesPerDay]);

	const totalMinutes = minutesPerDay.reduce((sum, day) => sum + day.minutes, 0);
	return (
		<div className="etude-chart">
			<canvas
				ref={canvasRef}
				role="img"
				aria-label={`Minutes practised per day: ${totalMinutes} minutes in ${minutesPerDay.length} days`}
			/>
		</div>
	);
}
