import { Capacitor } from "@capacitor/core";
import { holdReload } from "./reload-guard";

/** Containers in order of preference; browsers differ in what MediaRecorder can write. */
const VIDEO_TYPES = ["video/mp4", "video/webm;codecs=vp9,opus", "video/webm"];

export function supportedVideoType(): string | undefined {
	if (typeof MediaRecorder === "undefined") return undefined;
	return VIDEO_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
}

/**
 * Records camera and microphone with MediaRecorder. On devices this runs inside the Capacitor web view,
 * which needs the camera permission granted to the app first (@capacitor/camera asks for it); the
 * camera plugin itself only takes photos.
 */
export class VideoRecorder {
	private recorder: MediaRecorder | null = null;
	private chunks: Blob[] = [];
	/** An app update waits until the recording is stopped. */
	private releaseReload: (() => void) | null = null;
	stream: MediaStream | null = null;

	static isAvailable(): boolean {
		return Boolean(navigator.mediaDevices?.getUserMedia) && supportedVideoType() !== undefined;
	}

	async start(): Promise<MediaStream> {
		if (Capacitor.isNativePlatform()) {
			const { Camera } = await import("@capacitor/camera");
			await Camera.requestPermissions({ permissions: ["camera"] });
		}
		const stream = await navigator.mediaDevices.getUserMedia({
			video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
			// Voice processing would flatten the dynamics and pitch the analyser measures.
			audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
		});
		this.stream = stream;
		this.chunks = [];
		this.recorder = new MediaRecorder(stream, { mimeType: supportedVideoType() });
		this.recorder.ondataavailable = (event) => {
			if (event.data.size > 0) this.chunks.push(event.data);
		};
		// Chunks every second keep memory in small pieces and lose at most a second if the app dies.
		this.recorder.start(1000);
		this.releaseReload = holdReload();
		return stream;
	}

	stop(): Promise<Blob | undefined> {
		const recorder = this.recorder;
		if (!recorder) return Promise.resolve(undefined);
		return new Promise((done) => {
			recorder.onstop = () => {
				this.stream?.getTracks().forEach((track) => track.stop());
				this.stream = null;
				this.recorder = null;
				this.releaseReload?.();
				this.releaseReload = null;
				done(this.chunks.length > 0 ? new Blob(this.chunks, { type: recorder.mimeType }) : undefined);
			};
			recorder.stop();
		});
	}
}
