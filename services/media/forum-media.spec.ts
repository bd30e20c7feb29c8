import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIF_MARKER, generateClip, generateJpegWithGps, generateStillImage, jpegHasApp1, writeTextFile } from "../../test/support/media-fixtures";
import { encodeForumClip, encodeForumImage, probeMedia, validateForumClip, validateForumImage } from "./ffmpeg";

/** Forum pictures and clips through real ffmpeg: only pixels and sound come out. */
let workDir: string;
const inWorkDir = (name: string) => path.join(workDir, name);

beforeAll(async () => {
	workDir = await mkdtemp(path.join(tmpdir(), "etude-forum-media-"));
}, 30_000);
afterAll(() => rm(workDir, { recursive: true, force: true }));

describe("a forum picture", () => {
	it("comes out as a JPEG of at most 1600 px on the long side, without the camera's EXIF and GPS", async () => {
		const original = await generateJpegWithGps(inWorkDir("phone.jpg"), 2400, 1200);
		expect(jpegHasApp1(await readFile(original))).toBe(true);
		await validateForumImage(original);
		await encodeForumImage(original, inWorkDir("out.jpg"));
		const encoded = await readFile(inWorkDir("out.jpg"));
		expect(jpegHasApp1(encoded)).toBe(false);
		expect(encoded.includes(Buffer.from(EXIF_MARKER))).toBe(false);
		expect(encoded.includes(Buffer.from("Exif"))).toBe(false);
		const probe = await probeMedia(inWorkDir("out.jpg"));
		expect(probe.video).toMatchObject({ codec: "mjpeg", displayWidth: 1600, displayHeight: 800 });
	});

	it("stands a portrait photo upright: the EXIF orientation the phone wrote is applied to the pixels before the EXIF goes", async () => {
		const portrait = await generateJpegWithGps(inWorkDir("portrait.jpg"), 2400, 1200, 6);
		await validateForumImage(portrait);
		await encodeForumImage(portrait, inWorkDir("portrait-out.jpg"));
		const encoded = await readFile(inWorkDir("portrait-out.jpg"));
		expect(jpegHasApp1(encoded)).toBe(false);
		expect((await probeMedia(inWorkDir("portrait-out.jpg"))).video).toMatchObject({ displayWidth: 800, displayHeight: 1600, rotationDegrees: 0 });
	});

	it("keeps a small picture at its own size, and turns a PNG into a JPEG", async () => {
		const png = await generateStillImage(inWorkDir("small.png"), 320, 240);
		await encodeForumImage(png, inWorkDir("small.jpg"));
		expect((await probeMedia(inWorkDir("small.jpg"))).video).toMatchObject({ codec: "mjpeg", displayWidth: 320, displayHeight: 240 });
	});

	it("refuses what is not a picture, and a picture larger than 8192 px before decoding it", async () => {
		const text = await writeTextFile(inWorkDir("notes.jpg"));
		await expect(validateForumImage(text)).rejects.toMatchObject({ type: "ERR_NOT_DECODABLE" });
		const huge = await generateStillImage(inWorkDir("huge.png"), 8200, 16);
		await expect(validateForumImage(huge)).rejects.toMatchObject({ type: "ERR_RESOLUTION_TOO_LARGE" });
	});
});

describe("a forum clip", () => {
	it("becomes a small H.264/AAC MP4 with its index first", async () => {
		const clip = await generateClip(inWorkDir("clip.mp4"), { durationSeconds: 3, width: 1920, height: 1080 });
		const probe = await validateForumClip(clip);
		await encodeForumClip(clip, inWorkDir("small.mp4"), { probe });
		const encoded = await probeMedia(inWorkDir("small.mp4"));
		expect(encoded.video).toMatchObject({ codec: "h264", displayWidth: 1280, displayHeight: 720 });
		expect(encoded.audio?.codec).toBe("aac");
		expect(encoded.durationSeconds).toBeCloseTo(3, 0);
		const bytes = await readFile(inWorkDir("small.mp4"));
		// +faststart: the index (moov) comes before the media data (mdat).
		expect(bytes.indexOf("moov")).toBeLessThan(bytes.indexOf("mdat"));
	}, 30_000);

	it("may be silent, but not a still picture nor longer than a minute", async () => {
		const silent = await generateClip(inWorkDir("silent.mp4"), { durationSeconds: 2, width: 320, height: 240, withAudio: false });
		await encodeForumClip(silent, inWorkDir("silent-out.mp4"), { probe: await validateForumClip(silent) });
		expect((await probeMedia(inWorkDir("silent-out.mp4"))).audio).toBeUndefined();
		const still = await generateStillImage(inWorkDir("still.png"));
		await expect(validateForumClip(still)).rejects.toMatchObject({ type: "ERR_NO_VIDEO_STREAM" });
		const long = await generateClip(inWorkDir("long.mp4"), { durationSeconds: 61, width: 64, height: 48, fps: 5 });
		await expect(validateForumClip(long)).rejects.toMatchObject({ type: "ERR_DURATION_OUT_OF_RANGE" });
	}, 60_000);
});
