export interface SensorSample {
	/** ms since the recording started */
	t: number;
	/** angular velocity about the device's x, y, z axes, rad/s */
	gyro: [number, number, number];
	/** acceleration along x, y, z including gravity, m/s² */
	accel: [number, number, number];
}

/** The sensor file uploaded beside a practice video (format version 1). */
export interface SensorFile {
	version: 1;
	startedAt: string;
	samples: SensorSample[];
}

export const UPLOAD_KINDS = ["video", "sensors"] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

export interface PracticeRecording {
	video?: Blob;
	sensors?: SensorFile;
}

export type UploadState = "waiting" | "uploading" | "done" | "failed";

export interface UploadStatus {
	kind: UploadKind;
	state: UploadState;
	/** 0..1 */
	progress: number;
	errorCode: string | null;
}
