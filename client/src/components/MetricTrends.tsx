import { IonItem, IonLabel, IonList, IonNote } from "@ionic/react";
import type { MetricTrend } from "../models/analytics";

/** The metrics a student follows week to week, and which way is better for each. */
const FOLLOWED_METRICS: Array<{ key: string; label: string; unit: string; better: "lower" | "higher"; digits: number }> = [
	{ key: "tempoCv", label: "Tempo steadiness (variation)", unit: "", better: "lower", digits: 3 },
	{ key: "dynamicRangeDb", label: "Dynamic range", unit: "dB", better: "higher", digits: 1 },
	{ key: "intonationMeanAbsDeviationCents", label: "Intonation (off by)", unit: "cents", better: "lower", digits: 1 },
	{ key: "vibratoRateHz", label: "Vibrato rate", unit: "Hz", better: "higher", digits: 1 },
	{ key: "bowStabilityRmsRadPerS", label: "Bow shake", unit: "rad/s", better: "lower", digits: 3 }
];

function describeChange(trend: MetricTrend, better: "lower" | "higher", digits: number, unit: string): string {
	if (trend.delta === null || trend.previous7 === null) return "no recordings the week before to compare with";
	if (Math.abs(trend.delta) < 10 ** -digits) return "about the same as the week before";
	const improved = better === "lower" ? trend.delta < 0 : trend.delta > 0;
	const amount = `${Math.abs(trend.delta).toFixed(digits)}${unit ? ` ${unit}` : ""}`;
	return `${improved ? "better" : "worse"} by ${amount} than the week before`;
}

/** Last 7 days against the 7 before, in words a student reads at a glance. */
export function MetricTrends({ trends }: { trends: Record<string, MetricTrend> }) {
	const shown = FOLLOWED_METRICS.filter(({ key }) => trends[key]?.last7 !== null && trends[key]?.last7 !== undefined);
	if (shown.length === 0) return null;
	return (
		<IonList aria-label="This week compared with the week before">
			{shown.map(({ key, label, unit, better, digits }) => {
				const trend = trends[key]!;
				return (
					<IonItem key={key}>
						<IonLabel>
							<h3>{label}</h3>
							<p>{describeChange(trend, better, digits, unit)}</p>
						</IonLabel>
						<IonNote slot="end">
							{trend.last7!.toFixed(digits)}
							{unit ? ` ${unit}` : ""}
						</IonNote>
					</IonItem>
				);
			})}
		</IonList>
	);
}
