import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { NewLesson, OccurrenceRange } from "../models/schedule";
import { api } from "./app-services";

export const scheduleKeys = {
	all: ["schedule"] as const,
	occurrences: (range: OccurrenceRange) => ["schedule", "occurrences", range] as const,
	lessons: ["schedule", "lessons"] as const,
	feedToken: ["schedule", "feed-token"] as const
};

export function useOccurrences(range: OccurrenceRange) {
	return useQuery({ queryKey: scheduleKeys.occurrences(range), queryFn: () => api.schedule.occurrences(range) });
}

export function useLessons() {
	return useQuery({ queryKey: scheduleKeys.lessons, queryFn: api.schedule.lessons });
}

/** Every change to a lesson can move any occurrence: the week views are read again. */
function useScheduleMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
	const queryClient = useQueryClient();
	return useMutation({ mutationFn, onSuccess: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.all }) });
}

export function useCreateLesson() {
	return useScheduleMutation((lesson: NewLesson) => api.schedule.createLesson(lesson));
}

export function useDeleteLesson() {
	return useScheduleMutation((lessonId: string) => api.schedule.deleteLesson(lessonId));
}

export function useCancelOccurrence() {
	return useScheduleMutation(({ lessonId, occurrenceStart }: { lessonId: string; occurrenceStart: string }) =>
		api.schedule.cancelOccurrence(lessonId, occurrenceStart)
	);
}

export function useMoveOccurrence() {
	return useScheduleMutation(
		({ lessonId, occurrenceStart, startLocal }: { lessonId: string; occurrenceStart: string; startLocal: string }) =>
			api.schedule.moveOccurrence(lessonId, occurrenceStart, startLocal)
	);
}

export function useSetReminders() {
	return useScheduleMutation(({ lessonId, minutesBefore }: { lessonId: string; minutesBefore: number[] }) =>
		api.schedule.setReminders(lessonId, minutesBefore)
	);
}

export function useFeedToken() {
	return useQuery({ queryKey: scheduleKeys.feedToken, queryFn: api.schedule.feedToken });
}

export function useCreateFeedLink() {
	return useScheduleMutation(() => api.schedule.createFeedLink());
}

export function useRevokeFeedLink() {
	return useScheduleMutation(() => api.schedule.revokeFeedLink());
}
