import { IonButton } from "@ionic/react";
import { useEffect, useState, type ReactNode } from "react";
import { formatClock } from "../util/format";

export interface TimedPractice {
	startedAt: string;
	endedAt: string;
}

interface PracticeTimerProps {
	onStart?: () => void;
	onStop: (practice: TimedPractice) => void;
	/** Shown while the timer is stopped, such as the choice to record. */
	whenIdle?: ReactNode;
	/** Shown while it runs, such as the camera preview. */
	whenRunning?: ReactNode;
}

/** Counts from a start instant rather than adding ticks, so a backgrounded tab still shows the true time. */
export function PracticeTimer({ onStart, onStop, whenIdle, whenRunning }: PracticeTimerProps) {
	const [startedAtMs, setStartedAtMs] = useState<number | null>(null);
	const [nowMs, setNowMs] = useState(() => Date.now());

	useEffect(() => {
		if (startedAtMs === null) return;
		const interval = setInterval(() => setNowMs(Date.now()), 500);
		return () => clearInterval(interval);
	}, [startedAtMs]);

	const elapsedMs = startedAtMs === null ? 0 : nowMs - startedAtMs;

	function start() {
		const now = Date.now();
		setStartedAtMs(now);
		setNowMs(now);
		onStart?.();
	}

	function stop() {
		if (startedAtMs === null) return;
		onStop({ startedAt: new Date(startedAtMs).toISOString(), endedAt: new Date().toISOString() });
		setStartedAtMs(null);
	}

	return (
		<section aria-label="Practice timer">
			<div className="etude-timer" role="timer" aria-live="off">
				{formatClock(elapsedMs)}
			</div>
			{startedAtMs === null ? whenIdle : whenRunning}
			{startedAtMs === null ? (
				<IonButton expand="block" onClick={start}>
					Start practising
				</IonButton>
			) : (
				<IonButton expand="block" color="danger" onClick={stop}>
					Stop and log
				</IonButton>
			)}
		</section>
	);
}
