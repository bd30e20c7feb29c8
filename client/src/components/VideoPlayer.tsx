import { useEffect, useRef, type ReactNode, type RefObject } from "react";

/** Plays HLS natively where the browser can (Safari, iOS) and through hls.js elsewhere. */
export function VideoPlayer({
	hlsUrl,
	posterUrl,
	label,
	videoRef: givenVideoRef,
	children
}: {
	hlsUrl: string;
	posterUrl?: string | null;
	label: string;
	/** For a page that drives playback itself (seeking to a pin, stepping frames). */
	videoRef?: RefObject<HTMLVideoElement>;
	/** Laid over the frame, such as a drawing. */
	children?: ReactNode;
}) {
	const ownVideoRef = useRef<HTMLVideoElement>(null);
	const videoRef = givenVideoRef ?? ownVideoRef;

	useEffect(() => {
		const video = videoRef.current;
		if (!video) return;
		if (video.canPlayType("application/vnd.apple.mpegurl")) {
			video.src = hlsUrl;
			return;
		}
		let destroy = () => {};
		let cancelled = false;
		void import("hls.js").then(({ default: Hls }) => {
			if (cancelled || !Hls.isSupported()) return;
			const hls = new Hls();
			hls.loadSource(hlsUrl);
			hls.attachMedia(video);
			destroy = () => hls.destroy();
		});
		return () => {
			cancelled = true;
			destroy();
		};
	}, [hlsUrl, videoRef]);

	const video = (
		<video
			ref={videoRef}
			controls
			playsInline
			poster={posterUrl ?? undefined}
			aria-label={label}
			// Over a frame with an overlay, the element keeps the picture's own proportions (no letterbox), so 0–1 of
			// the element is 0–1 of the picture.
			className={children ? "etude-framed-video" : undefined}
			style={children ? undefined : { width: "100%" }}
		/>
	);
	if (!children) return video;
	return (
		<div className="etude-review-frame">
			{video}
			{children}
		</div>
	);
}
