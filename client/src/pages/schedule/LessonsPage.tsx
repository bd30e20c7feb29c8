import {
	IonButton,
	IonCheckbox,
	IonItem,
	IonLabel,
	IonList,
	IonListHeader,
	IonNote,
	IonSelect,
	IonSelectOption,
	IonToggle,
	useIonAlert,
	useIonViewWillEnter
} from "@ionic/react";
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import { ErrorNote } from "../../components/ErrorNote";
import { Screen } from "../../components/Screen";
import { TextField } from "../../components/TextField";
import { ApiError } from "../../data/api-error";
import { useAuth } from "../../data/auth-context";
import { queryKeys, useLinkedStudents } from "../../data/queries";
import {
	useCancelOccurrence,
	useCreateLesson,
	useDeleteLesson,
	useLessons,
	useMoveOccurrence,
	useOccurrences,
	useSetReminders
} from "../../data/schedule-queries";
import type { LessonOccurrence } from "../../models/schedule";
import { calendarDateIn, deviceTimezone } from "../../util/format";
import { FeedLinkCard } from "./FeedLinkCard";
import { addDays, clockOf, dayLabel, daysBetween, mondayOf, weekOf } from "./week";
import "./schedule.css";

const REMINDER_CHOICES = [
	{ minutes: 1440, label: "1 day before" },
	{ minutes: 60, label: "1 hour before" }
];
/** A pointer that moves less than this is a tap, not a drag. */
const DRAG_THRESHOLD_PX = 8;

function occurrenceKey(occurrence: LessonOccurrence): string {
	return `${occurrence.classId}/${occurrence.occurrenceStart}`;
}

/** Same wall-clock time in the lesson's zone, `days` later: what dragging a lesson to another day means. */
function shiftedLessonStart(occurrence: LessonOccurrence, days: number): string {
	return `${addDays(occurrence.lessonLocalStart.slice(0, 10), days)}T${clockOf(occurrence.lessonLocalStart)}`;
}

function isClash(error: unknown): boolean {
	return error instanceof ApiError && error.code === "ERR_LESSON_CONFLICT";
}

function NewLessonForm({ timezone, firstDay, onCreated }: { timezone: string; firstDay: string; onCreated: (date: string) => void }) {
	const students = useLinkedStudents();
	const create = useCreateLesson();
	const [title, setTitle] = useState("");
	const [studentIds, setStudentIds] = useState<string[]>([]);
	const [date, setDate] = useState(firstDay);
	const [time, setTime] = useState("16:00");
	const [duration, setDuration] = useState("45");
	const [weekly, setWeekly] = useState(true);
	const [count, setCount] = useState("");

	function submit(allowOverlap = false) {
		const lessons = Number(count);
		create.mutate(
			{
				title: title.trim(),
				studentIds,
				startLocal: `${date}T${time}`,
				timezone,
				durationMinutes: Number(duration),
				recurrence: weekly ? { frequency: "weekly", interval: 1, ...(lessons > 0 ? { count: lessons } : {}) } : null,
				allowOverlap
			},
			{
				onSuccess: () => {
					setTitle("");
					onCreated(date);
				}
			}
		);
	}

	return (
		<form
			aria-label="New lesson"
			onSubmit={(event) => {
				event.preventDefault();
				submit();
			}}
		>
			<IonList>
				<IonListHeader>New lesson</IonListHeader>
				<TextField label="Title" value={title} onValueChange={setTitle} maxlength={200} />
				<IonItem>
					<IonSelect
						label="Students"
						labelPlacement="stacked"
						multiple
						value={studentIds}
						onIonChange={(event) => setStudentIds(event.detail.value as string[])}
						placeholder={students.data?.length === 0 ? "No students linked yet" : "Choose"}
					>
						{(students.data ?? []).map((student) => (
							<IonSelectOption key={student.id} value={student.id}>
								{student.name}
							</IonSelectOption>
						))}
					</IonSelect>
				</IonItem>
				<TextField label="Date" type="date" value={date} onValueChange={setDate} />
				<TextField label={`Time (${timezone})`} type="time" value={time} onValueChange={setTime} />
				<TextField label="Minutes" type="number" inputmode="numeric" min={5} max={720} value={duration} onValueChange={setDuration} />
				<IonItem>
					<IonToggle checked={weekly} onIonChange={(event) => setWeekly(event.detail.checked)}>
						Every week
					</IonToggle>
				</IonItem>
				{weekly && <TextField label="Number of lessons (empty: no end)" type="number" inputmode="numeric" min={1} value={count} onValueChange={setCount} />}
			</IonList>
			{isClash(create.error) ? (
				<div role="alert" className="ion-padding-horizontal">
					<IonNote color="danger">This time overlaps another lesson of yours or of a student.</IonNote>
					<IonButton size="small" fill="outline" onClick={() => submit(true)}>
						Book anyway
					</IonButton>
				</div>
			) : (
				<ErrorNote error={create.error} />
			)}
			<IonButton type="submit" className="ion-margin" disabled={!title.trim() || !date || !time || create.isPending}>
				Create lesson
			</IonButton>
		</form>
	);
}

function OccurrencePanel({ occurrence, onDone }: { occurrence: LessonOccurrence; onDone: () => void }) {
	const lessons = useLessons();
	const cancel = useCancelOccurrence();
	const move = useMoveOccurrence();
	const remove = useDeleteLesson();
	const setReminders = useSetReminders();
	const [presentAlert] = useIonAlert();
	const lesson = lessons.data?.find((candidate) => candidate.id === occurrence.classId);
	const [moveTo, setMoveTo] = useState(occurrence.lessonLocalStart.slice(0, 10));
	const [moveTime, setMoveTime] = useState(clockOf(occurrence.lessonLocalStart));
	const reminders = lesson?.myReminders ?? [];
	const target = { lessonId: occurrence.classId, occurrenceStart: occurrence.occurrenceStart };

	function toggleReminder(minutes: number, on: boolean) {
		const next = on ? [...new Set([...reminders, minutes])] : reminders.filter((value) => value !== minutes);
		setReminders.mutate({ lessonId: occurrence.classId, minutesBefore: next });
	}

	return (
		<section aria-label="Selected lesson" className="etude-occurrence-panel">
			<IonList>
				<IonListHeader>{occurrence.title}</IonListHeader>
				<IonItem lines="none">
					<IonLabel className="ion-text-wrap">
						{dayLabel(occurrence.localStart.slice(0, 10))}, {clockOf(occurrence.localStart)}–{clockOf(occurrence.localEnd)}
						{occurrence.status !== "scheduled" && <IonNote color="warning"> ({occurrence.status})</IonNote>}
						{occurrence.lessonTimezone && <p>Lesson time zone: {occurrence.lessonTimezone}</p>}
					</IonLabel>
				</IonItem>
				<TextField label="Move to date" type="date" value={moveTo} onValueChange={setMoveTo} />
				<TextField
					label={`Move to time (${occurrence.lessonTimezone})`}
					type="time"
					value={moveTime}
					onValueChange={setMoveTime}
					action={
						<IonButton slot="end" fill="clear" disabled={move.isPending} onClick={() => move.mutate({ ...target, startLocal: `${moveTo}T${moveTime}` }, { onSuccess: onDone })}>
							Move
						</IonButton>
					}
				/>
				<IonListHeader>Your reminders for this lesson</IonListHeader>
				{REMINDER_CHOICES.map((choice) => (
					<IonItem key={choice.minutes}>
						<IonCheckbox checked={reminders.includes(choice.minutes)} disabled={!lesson || setReminders.isPending} onIonChange={(event) => toggleReminder(choice.minutes, event.detail.checked)}>
							{choice.label}
						</IonCheckbox>
					</IonItem>
				))}
			</IonList>
			{isClash(move.error) ? <IonNote color="danger" role="alert" className="ion-padding-horizontal ion-display-block">That time overlaps another lesson.</IonNote> : <ErrorNote error={move.error} />}
			<ErrorNote error={cancel.error ?? remove.error ?? setReminders.error} />
			<div className="ion-padding-horizontal">
				<IonButton fill="outline" size="small" onClick={onDone}>
					Close
				</IonButton>
				<IonButton color="danger" fill="outline" size="small" disabled={cancel.isPending || occurrence.status === "cancelled"} onClick={() => cancel.mutate(target, { onSuccess: onDone })}>
					Cancel this lesson
				</IonButton>
				<IonButton
					color="danger"
					fill="clear"
					size="small"
					onClick={() =>
						void presentAlert({
							header: "Cancel the whole series?",
							message: "Every lesson of this series goes, past and future, and its students are told.",
							buttons: [
								{ text: "Keep it", role: "cancel" },
								{ text: "Cancel the series", role: "destructive", handler: () => remove.mutate(occurrence.classId, { onSuccess: onDone }) }
							]
						})
					}
				>
					Cancel the series
				</IonButton>
			</div>
		</section>
	);
}

/**
 * The teacher's week: lessons by day in the teacher's zone. A lesson is moved to another day by
 * dragging it there (touch or mouse, through pointer events), or with the form of the selected
 * lesson; a tap selects it.
 */
export default function LessonsPage() {
	const { user } = useAuth();
	const timezone = user?.timezone ?? deviceTimezone();
	const today = calendarDateIn(timezone, new Date());
	const [monday, setMonday] = useState(mondayOf(today));
	const days = weekOf(monday);
	const occurrences = useOccurrences({ from: days[0]!, to: days[6]!, tz: timezone, includeCancelled: true });
	const move = useMoveOccurrence();
	const [selected, setSelected] = useState<LessonOccurrence | undefined>();
	const drag = useRef<{ occurrence: LessonOccurrence; x: number; y: number; moved: boolean } | undefined>(undefined);
	const [dragOffset, setDragOffset] = useState<{ key: string; dx: number; dy: number } | undefined>();
	const queryClient = useQueryClient();
	// Who can be booked must be current each time the tab opens: a student may have linked a moment ago.
	useIonViewWillEnter(() => void queryClient.invalidateQueries({ queryKey: queryKeys.students }));

	function onPointerDown(event: ReactPointerEvent<HTMLButtonElement>, occurrence: LessonOccurrence) {
		if (occurrence.status === "cancelled") return;
		event.currentTarget.setPointerCapture(event.pointerId);
		drag.current = { occurrence, x: event.clientX, y: event.clientY, moved: false };
	}

	function onPointerMove(event: ReactPointerEvent<HTMLButtonElement>) {
		const current = drag.current;
		if (!current) return;
		const dx = event.clientX - current.x;
		const dy = event.clientY - current.y;
		if (Math.hypot(dx, dy) >= DRAG_THRESHOLD_PX) current.moved = true;
		if (current.moved) setDragOffset({ key: occurrenceKey(current.occurrence), dx, dy });
	}

	function onPointerUp(event: ReactPointerEvent<HTMLButtonElement>) {
		const current = drag.current;
		drag.current = undefined;
		setDragOffset(undefined);
		if (!current) return;
		if (!current.moved) {
			setSelected(current.occurrence);
			return;
		}
		const column = document.elementsFromPoint(event.clientX, event.clientY).find((element) => element instanceof HTMLElement && element.dataset.day);
		const day = (column as HTMLElement | undefined)?.dataset.day;
		const shift = day ? daysBetween(current.occurrence.localStart.slice(0, 10), day) : 0;
		if (shift !== 0) {
			const { occurrence } = current;
			move.mutate({ lessonId: occurrence.classId, occurrenceStart: occurrence.occurrenceStart, startLocal: shiftedLessonStart(occurrence, shift) });
		}
	}

	const items = occurrences.data?.items ?? [];
	return (
		<Screen title="Lessons" padded wide>
			<div className="etude-week-nav">
				<IonButton fill="clear" onClick={() => setMonday(addDays(monday, -7))}>
					Previous week
				</IonButton>
				<h2>Week of {dayLabel(monday)}</h2>
				<IonButton fill="clear" onClick={() => setMonday(addDays(monday, 7))}>
					Next week
				</IonButton>
			</div>
			{isClash(move.error) ? <IonNote color="danger" role="alert" className="ion-display-block">That day and time overlaps another lesson.</IonNote> : <ErrorNote error={move.error ?? occurrences.error} />}
			<div className="etude-week" role="grid" aria-label="Lessons this week">
				{days.map((day) => (
					<div key={day} className={`etude-week-day${day === today ? " etude-today" : ""}`} data-day={day} role="gridcell" aria-label={dayLabel(day)}>
						<h3>{dayLabel(day)}</h3>
						{items
							.filter((occurrence) => occurrence.localStart.slice(0, 10) === day)
							.map((occurrence) => {
								const offset = dragOffset?.key === occurrenceKey(occurrence) ? dragOffset : undefined;
								return (
									<button
										type="button"
										key={occurrenceKey(occurrence)}
										className={`etude-lesson-card etude-lesson-${occurrence.status}${offset ? " etude-dragging" : ""}`}
										style={offset ? { transform: `translate(${offset.dx}px, ${offset.dy}px)` } : undefined}
										aria-label={`${occurrence.title}, ${clockOf(occurrence.localStart)}${occurrence.status === "scheduled" ? "" : `, ${occurrence.status}`}`}
										aria-pressed={selected !== undefined && occurrenceKey(selected) === occurrenceKey(occurrence)}
										onPointerDown={(event) => onPointerDown(event, occurrence)}
										onPointerMove={onPointerMove}
										onPointerUp={onPointerUp}
										onPointerCancel={() => {
											drag.current = undefined;
											setDragOffset(undefined);
										}}
										onKeyDown={(event) => {
											if (event.key === "Enter" || event.key === " ") setSelected(occurrence);
										}}
									>
										<strong>{clockOf(occurrence.localStart)}</strong> {occurrence.title}
										{occurrence.status !== "scheduled" && <span className="etude-lesson-status"> {occurrence.status}</span>}
									</button>
								);
							})}
					</div>
				))}
			</div>
			{items.length === 0 && !occurrences.isPending && <IonNote className="ion-display-block ion-padding-vertical">No lessons this week.</IonNote>}
			<div className="etude-lessons-columns">
				{selected ? (
					<OccurrencePanel key={occurrenceKey(selected)} occurrence={selected} onDone={() => setSelected(undefined)} />
				) : (
					<NewLessonForm timezone={timezone} firstDay={addDays(today, 1)} onCreated={(date) => setMonday(mondayOf(date))} />
				)}
				<FeedLinkCard />
			</div>
		</Screen>
	);
}
