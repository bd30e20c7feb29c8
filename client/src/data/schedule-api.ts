import type { FeedLink, FeedTokenStatus, Lesson, LessonOccurrence, NewLesson, OccurrenceRange } from "../models/schedule";
import type { ApiClient } from "./api-client";
import { endpoints } from "./endpoints";

/** Lessons, their occurrences, reminders and the calendar feed link; merged into the typed Etude API. */
export function createScheduleApi(client: ApiClient) {
	return {
		schedule: {
			lessons: () => client.request<Lesson[]>("GET", endpoints.lessons),
			createLesson: (lesson: NewLesson) => client.request<Lesson>("POST", endpoints.lessons, { body: lesson }),
			deleteLesson: (lessonId: string) => client.request<void>("DELETE", endpoints.lesson(lessonId)),
			occurrences: ({ includeCancelled, ...range }: OccurrenceRange) =>
				client.request<{ items: LessonOccurrence[] }>("GET", endpoints.occurrences, {
					query: { ...range, includeCancelled: includeCancelled ? "true" : undefined }
				}),
			cancelOccurrence: (lessonId: string, occurrenceStart: string) =>
				client.request<LessonOccurrence>("PUT", endpoints.occurrence(lessonId, occurrenceStart), { body: { status: "cancelled" } }),
			moveOccurrence: (lessonId: string, occurrenceStart: string, startLocal: string) =>
				client.request<LessonOccurrence>("PUT", endpoints.occurrence(lessonId, occurrenceStart), {
					body: { status: "moved", startLocal }
				}),
			setReminders: (lessonId: string, minutesBefore: number[]) =>
				client.request<{ minutesBefore: number[] }>("PUT", endpoints.lessonReminders(lessonId), { body: { minutesBefore } }),
			feedToken: () => client.request<FeedTokenStatus>("GET", endpoints.feedToken),
			createFeedLink: () => client.request<FeedLink>("POST", endpoints.feedToken),
			revokeFeedLink: () => client.request<void>("DELETE", endpoints.feedToken)
		}
	};
}
