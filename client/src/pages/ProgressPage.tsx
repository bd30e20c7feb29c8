import {
	IonCard,
	IonCardContent,
	IonCardHeader,
	IonCardTitle,
	IonItem,
	IonLabel,
	IonList,
	IonSpinner
} from "@ionic/react";
import { useMemo } from "react";
import { MetricTrends } from "../components/MetricTrends";
import { MinutesChart } from "../components/MinutesChart";
import { Screen } from "../components/Screen";
import { useDashboard } from "../data/queries";
import { FOCUS_LABELS, type Focus } from "../models/session";
import { useAuth } from "../data/auth-context";
import { deviceTimezone, formatMinutes, lastCalendarDays } from "../util/format";

const RANGE_DAYS = 28;

export default function ProgressPage() {
	const { user } = useAuth();
	const tz = user?.timezone ?? deviceTimezone();
	const range = useMemo(() => lastCalendarDays(RANGE_DAYS, tz), [tz]);
	const dashboard = useDashboard(range);
	const data = dashboard.data;
	const hasMinutes = (data?.minutesPerDay ?? []).some((day) => day.minutes > 0);
	const hasTrends = Object.values(data?.trends ?? {}).some((trend) => trend.last7 !== null);

	return (
		<Screen title="Progress" padded>
			{dashboard.isPending && <IonSpinner aria-label="Loading progress" />}
			{!dashboard.isPending && !hasMinutes && !hasTrends && (
				<IonCard>
					<IonCardHeader>
						<IonCardTitle>No progress to show yet</IonCardTitle>
					</IonCardHeader>
					<IonCardContent>
						Log a few sessions and your minutes per day, streak and focus areas will appear here.
					</IonCardContent>
				</IonCard>
			)}
			{data && <MetricTrends trends={data.trends} />}
			{data && hasMinutes && (
				<>
					<IonCard>
						<IonCardHeader>
							<IonCardTitle>
								Streak: {data.streakDays} {data.streakDays === 1 ? "day" : "days"}
							</IonCardTitle>
						</IonCardHeader>
						<IonCardContent>
							<MinutesChart minutesPerDay={data.minutesPerDay} />
						</IonCardContent>
					</IonCard>
					<IonList aria-label="Minutes by focus">
						{data.byFocus.map((entry) => (
							<IonItem key={entry.focus}>
								<IonLabel>{FOCUS_LABELS[entry.focus as Focus] ?? entry.focus}</IonLabel>
								<IonLabel slot="end">{formatMinutes(entry.minutes)}</IonLabel>
							</IonItem>
						))}
					</IonList>
				</>
			)}
		</Screen>
	);
}
