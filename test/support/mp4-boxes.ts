import { readFile } from "node:fs/promises";

/**
 * When a fragmented MP4 (an HLS fMP4 rendition) shows its first video frame, read from the boxes
 * themselves as a browser's media source does: the movie's edit list (empty edits delay, a media
 * time skips) applied to the first fragment's decode time plus its first composition offset. Also
 * the time without the edit list, for players that ignore it.
 */
export interface FirstFrameTime {
	/** With the edit list applied, in milliseconds. */
	presentationMs: number;
	/** tfdt + first composition offset alone, in milliseconds. */
	withoutEditListMs: number;
}

interface Box {
	type: string;
	body: Buffer;
}

const CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl", "edts", "moof", "traf", "mvex"]);

function boxes(buffer: Buffer): Box[] {
	const found: Box[] = [];
	let offset = 0;
	while (offset + 8 <= buffer.length) {
		let size = buffer.readUInt32BE(offset);
		const type = buffer.toString("latin1", offset + 4, offset + 8);
		let header = 8;
		if (size === 1) {
			size = Number(buffer.readBigUInt64BE(offset + 8));
			header = 16;
		} else if (size === 0) size = buffer.length - offset;
		found.push({ type, body: buffer.subarray(offset + header, offset + size) });
		offset += size;
	}
	return found;
}

function child(box: Box | undefined, type: string): Box | undefined {
	return box && boxes(box.body).find((inner) => inner.type === type);
}

function path(root: Buffer, ...types: string[]): Box[] {
	let level = boxes(root);
	for (const [index, type] of types.entries()) {
		const matching = level.filter((box) => box.type === type);
		if (index === types.length - 1) return matching;
		level = matching.flatMap((box) => (CONTAINERS.has(box.type) ? boxes(box.body) : []));
	}
	return level;
}

function timescaleOf(header: Box): number {
	// mvhd / mdhd: version 1 has 64-bit creation and modification times.
	return header.body[0] === 1 ? header.body.readUInt32BE(20) : header.body.readUInt32BE(12);
}

function trackIdOf(tkhd: Box): number {
	return tkhd.body[0] === 1 ? tkhd.body.readUInt32BE(20) : tkhd.body.readUInt32BE(12);
}

function editList(elst: Box | undefined): Array<{ duration: number; mediaTime: number }> {
	if (!elst) return [];
	const version = elst.body[0];
	const count = elst.body.readUInt32BE(4);
	return Array.from({ length: count }, (_, index) => {
		const at = 8 + index * (version === 1 ? 20 : 12);
		return version === 1
			? { duration: Number(elst.body.readBigUInt64BE(at)), mediaTime: Number(elst.body.readBigInt64BE(at + 8)) }
			: { duration: elst.body.readUInt32BE(at), mediaTime: elst.body.readInt32BE(at + 4) };
	});
}

function firstCompositionOffset(trun: Box): number {
	const version = trun.body[0]!;
	const flags = trun.body.readUIntBE(1, 3);
	let at = 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
	if (flags & 0x100) at += 4;
	if (flags & 0x200) at += 4;
	if (flags & 0x400) at += 4;
	if (!(flags & 0x800)) return 0;
	return version === 1 ? trun.body.readInt32BE(at) : trun.body.readUInt32BE(at);
}

export async function firstVideoFrameTime(initPath: string, segmentPath: string): Promise<FirstFrameTime> {
	const init = await readFile(initPath);
	const segment = await readFile(segmentPath);
	const movieTimescale = timescaleOf(path(init, "moov", "mvhd")[0]!);
	const videoTrack = path(init, "moov", "trak").find((trak) => child(child(trak, "mdia"), "hdlr")?.body.toString("latin1", 8, 12) === "vide");
	if (!videoTrack) throw new Error(`${initPath} has no video track`);
	const trackId = trackIdOf(child(videoTrack, "tkhd")!);
	const timescale = timescaleOf(child(child(videoTrack, "mdia"), "mdhd")!);
	const edits = editList(child(child(videoTrack, "edts"), "elst"));
	const emptyMs = edits.filter((edit) => edit.mediaTime === -1).reduce((total, edit) => total + (edit.duration / movieTimescale) * 1000, 0);
	const mediaStart = edits.find((edit) => edit.mediaTime !== -1)?.mediaTime ?? 0;

	const traf = path(segment, "moof", "traf").find((candidate) => child(candidate, "tfhd")!.body.readUInt32BE(4) === trackId);
	if (!traf) throw new Error(`${segmentPath} has no fragment of track ${trackId}`);
	const tfdt = child(traf, "tfdt")!;
	const decodeTime = tfdt.body[0] === 1 ? Number(tfdt.body.readBigUInt64BE(4)) : tfdt.body.readUInt32BE(4);
	const firstPts = decodeTime + firstCompositionOffset(child(traf, "trun")!);
	return {
		presentationMs: emptyMs + ((firstPts - mediaStart) / timescale) * 1000,
		withoutEditListMs: (firstPts / timescale) * 1000
	};
}
