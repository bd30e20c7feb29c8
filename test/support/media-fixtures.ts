import { execFile } from "node:child_process";
import { copyFile, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const ffmpegPath = process.env.FFMPEG_PATH ?? "ffmpeg";

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

/** The text a test camera writes into its EXIF, to look for in what the server hands out. */
export const EXIF_MARKER = "Etude test camera at the secret practice room";

/**
 * A JPEG as a phone writes it: an EXIF block (APP1) right after the start of the image, with a
 * camera description and GPS coordinates (48°12'30" N), and the way the phone was held
 * (`orientation`, the EXIF values: 6 is a portrait photo whose pixels are stored lying on their
 * side, to be turned 90° clockwise). ffmpeg writes no EXIF itself, so the bytes are put together
 * here: a big-endian TIFF header, IFD0 with ImageDescription, Orientation and the GPS IFD pointer,
 * then the GPS IFD with latitude reference and latitude.
 */
export async function generateJpegWithGps(outputPath: string, width: number, height: number, orientation = 1): Promise<string> {
	const plainPath = `${outputPath}.plain.jpg`;
	await runFfmpeg(["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1`, "-frames:v", "1", "-q:v", "3", plainPath]);
	const jpeg = await readFile(plainPath);
	await rm(plainPath, { force: true });
	const description = Buffer.from(`${EXIF_MARKER}\0`, "latin1");
	const entry = (tag: number, type: number, count: number, value: Buffer) => Buffer.concat([u16(tag), u16(type), u32(count), Buffer.concat([value, Buffer.alloc(4)]).subarray(0, 4)]);
	// Offsets count from the TIFF header: header 8, IFD0 (3 entries) 2 + 36 + 4 = 42, then the GPS IFD (2 entries) 30, then the data.
	const ifd0At = 8;
	const gpsIfdAt = ifd0At + 42;
	const descriptionAt = gpsIfdAt + 30;
	const latitudeAt = descriptionAt + description.length;
	const ifd0 = Buffer.concat([
		u16(3),
		entry(0x010e, 2, description.length, u32(descriptionAt)),
		entry(0x0112, 3, 1, u16(orientation)),
		entry(0x8825, 4, 1, u32(gpsIfdAt)),
		u32(0)
	]);
	const gpsIfd = Buffer.concat([u16(2), entry(0x0001, 2, 2, Buffer.from("N\0")), entry(0x0002, 5, 3, u32(latitudeAt)), u32(0)]);
	const latitude = Buffer.concat([u32(48), u32(1), u32(12), u32(1), u32(30), u32(1)]);
	const tiff = Buffer.concat([Buffer.from("MM\0*", "latin1"), u32(ifd0At), ifd0, gpsIfd, description, latitude]);
	const exif = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
	const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), u16(exif.length + 2), exif]);
	await writeFile(outputPath, Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]));
	return outputPath;
}

function u16(value: number): Buffer {
	const bytes = Buffer.alloc(2);
	bytes.writeUInt16BE(value);
	return bytes;
}

function u32(value: number): Buffer {
	const bytes = Buffer.alloc(4);
	bytes.writeUInt32BE(value);
	return bytes;
}

/** Whether a JPEG holds an APP1 (EXIF/XMP) segment anywhere before its image data. */
export function jpegHasApp1(jpeg: Buffer): boolean {
	for (let at = 2; at + 4 <= jpeg.length && jpeg[at] === 0xff; at += 2 + jpeg.readUInt16BE(at + 2)) {
		if (jpeg[at + 1] === 0xe1) return true;
		if (jpeg[at + 1] === 0xda) return false;
	}
	return false;
}
