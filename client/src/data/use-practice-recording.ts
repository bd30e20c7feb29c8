import { useEffect, useRef, useState } from "react";
import type { PracticeRecording } from "../models/recording";
import { MotionSampler } from "./motion-sampler";
import { VideoRecorder } from "./video-recorder";

/** Video with sound and the motion sensors, recorded together for the length of a timed session. */
export function usePracticeRecording() {
	const [stream, setStream] = useState<MediaStream | null>(null);
	const [error, setError] = useState<unknown>(null);
	const videoRecorder = useRef<VideoRecorder | null>(null);
	const motionSampler = useRef<MotionSampler | null>(null);

	useEffect(
		() => () => {
			// Leaving the screen mid-recording must free the camera.
			void videoRecorder.current?.stop();
			void motionSampler.current?.stop(new Date().toISOString());
		},
		[]
	);

	async function start() {
		setError(null);
		motionSampler.current = new MotionSampler();
		// Asked first: iOS grants motion only while the tap that started the timer is still being handled.
		const motionStarted = motionSampler.current.start().catch(() => false);
		videoRecorder.current = new VideoRecorder();
		try {
			setStream(await videoRecorder.current.start());
		} catch (caught) {
			videoRecorder.current = null;
			setError(caught);
		}
		await motionStarted;
	}

	async function stop(startedAt: string): Promise<PracticeRecording | undefined> {
		const [video, sensors] = await Promise.all([videoRecorder.current?.stop(), motionSampler.current?.stop(startedAt)]);
		videoRecorder.current = null;
		motionSampler.current = null;
		setStream(null);
		return video || sensors ? { video, sensors } : undefined;
	}

	return { available: VideoRecorder.isAvailable(), stream, error, start, stop };
}
