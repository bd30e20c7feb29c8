import { execFile } from "node:child_process";
import { copyFile, open, rm, stat, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const ffmpegPath = process.env.FFMPEG_PATH ?? "/usr/bin/ffmpeg";

export interface ClipOptions {
	durationSeconds: number;
	width: number;
	height: number;
	fps?: number;
	withAudio?: boolean;
	/** libx264 + aac (like a phone) by default; libvpx-vp9 + libopus in .webm makes a clip stream copy cannot package. */
	codecs?: "h264-aac" | "vp9-opus";
	/** Clockwise display rotation stored as metadata, like a phone held upright. */
	rotationDegrees?: 0 | 90 | 180 | 270;
	/** Put the index (moov) before the media data, as streaming-friendly encoders do. */
	faststart?: boolean;
	/** x264 preset: fixtures favour speed, the benchmark a phone-like file. */
	x264Preset?: string;
}

async function runFfmpeg(args: string[]): Promise<void> {
	await execFileAsync(ffmpegPath, ["-hide_banner", "-v", "error", "-y", ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/** A test clip from ffmpeg's lavfi sources: testsrc2 pictures and a 440 Hz sine, both exactly `durationSeconds` long. */
export async function generateClip(outputPath: string, options: ClipOptions): Promise<string> {
	const { durationSeconds, width, height, fps = 30, withAudio = true, codecs = "h264-aac", rotationDegrees = 0 } = options;
	const inputs = ["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${fps}:duration=${durationSeconds}`];
	if (withAudio) inputs.push("-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${durationSeconds}`);
	const codecArgs =
		codecs === "h264-aac"
			? ["-c:v", "libx264", "-preset", options.x264Preset ?? "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k"]
			: ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"];
	const containerArgs = options.faststart ? ["-movflags", "+faststart"] : [];
	if (rotationDegrees === 0) {
		await runFfmpeg([...inputs, ...codecArgs, ...containerArgs, outputPath]);
		return outputPath;
	}
	// ffmpeg 5.1 writes the rotate tag into the display matrix only when stream-copying, hence two passes.
	const unrotatedPath = `${outputPath}.unrotated.mp4`;
	await runFfmpeg([...inputs, ...codecArgs, unrotatedPath]);
	// The legacy tag counts counter-clockwise; our API speaks of clockwise display rotation.
	const rotateTag = (360 - rotationDegrees) % 360;
	await runFfmpeg(["-i", unrotatedPath, "-c", "copy", "-metadata:s:v:0", `rotate=${rotateTag}`, ...containerArgs, outputPath]);
	await rm(unrotatedPath, { force: true });
	return outputPath;
}

/** A single still picture (PNG or JPEG by extension) — the kind of file a user might rename to .mp4. */
export async function generateStillImage(outputPath: string, width = 320, height = 240): Promise<string> {
	await runFfmpeg(["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1`, "-frames:v", "1", outputPath]);
	return outputPath;
}

/** Copies the first `fraction` of `sourcePath`, like an upload cut off mid-way. */
export async function writeTruncatedCopy(sourcePath: string, outputPath: string, fraction: number): Promise<string> {
	const { size } = await stat(sourcePath);
	await copyFile(sourcePath, outputPath);
	const file = await open(outputPath, "r+");
	try {
		await file.truncate(Math.floor(size * fraction));
	} finally {
		await file.close();
	}
	return outputPath;
}

export async function writeTextFile(outputPath: string, text = "These are my practice notes, not a video.\n"): Promise<string> {
	await writeFile(outputPath, text);
	return outputPath;
}
