import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageHlsStreamCopy, transcodeHls720p } from "../../services/media/ffmpeg";
import { generateClip } from "../support/media-fixtures";
import { firstVideoFrameTime } from "../support/mp4-boxes";

/**
 * Feedback pins are stored in recording time, so both renditions a player may show (the quick
 * stream copy, then the 720p transcode) must put the first frame at the same time. ffmpeg's
 * defaults shift them differently (AAC priming ≈ 21 ms, x264's B-frame delay ≈ 67 ms); read from
 * the fragments as a browser reads them, ours start at 0, with or without the edit list applied.
 */
let workDir: string;

beforeAll(async () => {
	workDir = await mkdtemp(path.join(os.tmpdir(), "etude-renditions-"));
}, 30_000);
afterAll(() => rm(workDir, { recursive: true, force: true }));

async function renditionStart(playlistPath: string) {
	const folder = path.dirname(playlistPath);
	const firstSegment = (await readdir(folder)).filter((file) => file.endsWith(".m4s")).sort()[0]!;
	return firstVideoFrameTime(path.join(folder, "init.mp4"), path.join(folder, firstSegment));
}

describe("the first frame of both renditions", () => {
	// ultrafast has no B-frames; veryfast has them, like most phone encoders' main/high profiles.
	for (const preset of ["ultrafast", "veryfast"]) {
		it(`is at presentation time 0 in the quick and the 720p rendition of an H.264/AAC recording (x264 ${preset})`, async () => {
			const source = await generateClip(path.join(workDir, `${preset}.mp4`), { durationSeconds: 3, width: 640, height: 360, x264Preset: preset });
			const quick = await packageHlsStreamCopy(source, path.join(workDir, preset, "quick"));
			const transcoded = await transcodeHls720p(source, path.join(workDir, preset, "720p"));
			const starts = { quick: await renditionStart(quick.playlistPath), "720p": await renditionStart(transcoded.playlistPath) };
			for (const [rendition, start] of Object.entries(starts)) {
				expect(start.presentationMs, rendition).toBeCloseTo(0, 3);
				expect(start.withoutEditListMs, rendition).toBeCloseTo(0, 3);
			}
		}, 120_000);
	}
});
