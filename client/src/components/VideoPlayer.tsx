import { useEffect, useRef } from "react";

/** Plays HLS natively where the browser can (Safari, iOS) and through hls.js elsewhere. */
export function VideoPlayer({
	hlsUrl,
	posterUrl,
	label
}: {
	hlsUrl: string;
	posterUrl?: string | null;
	label: string;
}) {
	const videoRef = useRef<HTMLVideoElement>(null);

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
	}, [hlsUrl]);

	return (
		<video
			ref={videoRef}
			controls
			playsInline
			poster={posterUrl ?? undefined}
			aria-label={label}
			style={{ width: "100%" }}
		/>
	);
}
