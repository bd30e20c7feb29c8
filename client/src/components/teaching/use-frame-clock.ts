import { useCallback, useEffect, useRef, useState, type RefObject } from "react";

/** Until the browser has shown two frames in a row, steps assume 30 frames a second. */
const ASSUMED_FRAME_MS = 1000 / 30;
/** Deltas outside this are a seek or a stall, not a frame's duration. */
const PLAUSIBLE_FRAME_MS = { min: 4, max: 200 };

/**
 * The playback position, frame-accurate where the browser has requestVideoFrameCallback (its mediaTime is the
 * shown frame's presentation time; currentTime runs ahead of it), and stepping by one frame. Phone video has a
 * variable frame rate, so a frame's length is measured from the frames shown while playing, never declared.
 */
export function useFrameClock(videoRef: RefObject<HTMLVideoElement>) {
	const [currentMs, setCurrentMs] = useState(0);
	const frameMs = useRef(ASSUMED_FRAME_MS);
	const shownMs = useRef(0);

	useEffect(() => {
		const video = videoRef.current;
		if (!video) return;
		const fromCurrentTime = () => {
			shownMs.current = video.currentTime * 1000;
			setCurrentMs(shownMs.current);
		};
		video.addEventListener("timeupdate", fromCurrentTime);
		video.addEventListener("seeked", fromCurrentTime);
		let handle: number | undefined;
		if ("requestVideoFrameCallback" in video) {
			let last: VideoFrameCallbackMetadata | undefined;
			const onFrame: VideoFrameRequestCallback = (_now, metadata) => {
				if (last && !video.paused && metadata.presentedFrames === last.presentedFrames + 1) {
					const delta = (metadata.mediaTime - last.mediaTime) * 1000;
					if (delta >= PLAUSIBLE_FRAME_MS.min && delta <= PLAUSIBLE_FRAME_MS.max) frameMs.current = delta;
				}
				last = metadata;
				shownMs.current = metadata.mediaTime * 1000;
				setCurrentMs(shownMs.current);
				handle = video.requestVideoFrameCallback(onFrame);
			};
			handle = video.requestVideoFrameCallback(onFrame);
		}
		return () => {
			video.removeEventListener("timeupdate", fromCurrentTime);
			video.removeEventListener("seeked", fromCurrentTime);
			if (handle !== undefined) video.cancelVideoFrameCallback(handle);
		};
	}, [videoRef]);

	const seek = useCallback(
		(tMs: number) => {
			const video = videoRef.current;
			if (!video) return;
			video.pause();
			video.currentTime = Math.max(0, tMs) / 1000;
			shownMs.current = tMs;
			setCurrentMs(tMs);
		},
		[videoRef]
	);

	/** One frame on (1) or back (-1); a millisecond in, so rounding never lands on the frame before. */
	const step = useCallback((direction: 1 | -1) => seek(shownMs.current + direction * frameMs.current + 1), [seek]);

	const pause = useCallback(() => videoRef.current?.pause(), [videoRef]);

	return { currentMs, seek, step, pause };
}
