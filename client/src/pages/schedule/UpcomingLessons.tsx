import { IonItem, IonLabel, IonList, IonListHeader, IonNote, useIonViewWillEnter } from "@ionic/react";
import { ErrorNote } from "../../components/ErrorNote";
import { useAuth } from "../../data/auth-context";
import { useOccurrences } from "../../data/schedule-queries";
import { calendarDateIn, deviceTimezone } from "../../util/format";
import { FeedLinkCard } from "./FeedLinkCard";
import { addDays, clockOf, dayLabel } from "./week";

const UPCOMING_DAYS = 14;

/** A student's next lessons in their own zone (Practice tab), and their calendar feed link. */
export function UpcomingLessons() {
	const { user } = useAuth();
	const tz = user?.timezone ?? deviceTimezone();
	const today = calendarDateIn(tz, new Date());
	const occurrences = useOccurrences({ from: today, to: addDays(today, UPCOMING_DAYS - 1), tz });
	// Read again whenever the tab opens: the teacher may have moved a lesson since.
	useIonViewWillEnter(() => void occurrences.refetch());
	const upcoming = (occurrences.data?.items ?? []).filter((occurrence) => Date.parse(occurrence.end) > Date.now());

	return (
		<section aria-label="Upcoming lessons">
			<IonList>
				<IonListHeader>Upcoming lessons</IonListHeader>
				{upcoming.length === 0 && !occurrences.isPending && (
					<IonItem lines="none">
						<IonLabel color="medium">No lessons in the next two weeks.</IonLabel>
					</IonItem>
				)}
				{upcoming.map((occurrence) => (
					<IonItem key={`${occurrence.classId}/${occurrence.occurrenceStart}`} className="etude-upcoming-lesson">
						<IonLabel>
							<h3>{occurrence.title}</h3>
							<p>
								{dayLabel(occurrence.localStart.slice(0, 10))}, {clockOf(occurrence.localStart)}–{clockOf(occurrence.localEnd)}
								{occurrence.location ? ` · ${occurrence.location}` : ""}
							</p>
						</IonLabel>
						{occurrence.status === "moved" && (
							<IonNote slot="end" color="warning">
								Moved
							</IonNote>
						)}
					</IonItem>
				))}
			</IonList>
			<ErrorNote error={occurrences.error} />
			<FeedLinkCard />
		</section>
	);
}
