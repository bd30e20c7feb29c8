import { useEffect, useRef } from "react";

/** The camera's picture while recording, mirrored like a looking-glass and silent to avoid feedback. */
export function LivePreview({ stream }: { stream: MediaStream }) {
	const videoRef = useRef<HTMLVideoElement>(null);
	useEffect(() => {
		if (videoRef.current) videoRef.current.srcObject = stream;
	}, [stream]);
	return <video ref={videoRef} className="etude-preview" autoPlay muted playsInline aria-label="Camera preview" />;
}
