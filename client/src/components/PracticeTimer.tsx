import { IonButton } from "@ionic/react";
import { useEffect, useState } from "react";
import { formatClock } from "../util/format";

export interface TimedPractice {
	startedAt: string;
	endedAt: string;
}

interface PracticeTimerProps {
	onStop: (practice: TimedPractice) => void;
}

/** Counts from a start instant rather than adding ticks, so a backgrounded tab still shows the true time. */
export function PracticeTimer({ onStop }: PracticeTimerProps) {
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
