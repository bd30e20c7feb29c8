import FFT from "fft.js";
import { YinPitchEstimator } from "./yin";

/** Frames quieter than this (RMS re a full-scale square wave) count as silence. */
const SILENCE_FLOOR_DBFS = -60;
const SILENCE_FLOOR_RMS = 10 ** (SILENCE_FLOOR_DBFS / 20);
/** |sample| at or above this (−0.09 dBFS) counts as clipped; it also catches 8-bit full scale, 127/128. */
const CLIP_LEVEL = 0.99;
const TARGET_FRAME_DURATION_S = 0.0464;
/** Log compression of magnitudes so soft onsets weigh in flux almost as much as loud ones. */
const FLUX_LOG_GAIN = 100;
/** The previous frame's log spectrum is max-filtered over ±50 cents before comparison (SuperFlux's vibrato suppression). */
const FLUX_MAX_FILTER_RATIO = 2 ** (50 / 1200);
const MIN_F0_HZ = 55;
const MAX_F0_HZ = 2500;
const YIN_THRESHOLD = 0.15;

export interface FrameLayout {
	sampleRateHz: number;
	/** Samples per analysis frame (a power of two, ≈ 46 ms). */
	frameSize: number;
	/** Samples between consecutive frames (a quarter frame, ≈ 11.6 ms). */
	hopSize: number;
	/** Pitch is estimated on every n-th frame (≈ 23 ms apart, enough for 9 Hz vibrato). */
	pitchEveryFrames: number;
	/** Samples YIN compares per lag; it reads twice this many, i.e. one whole frame. */
	pitchWindowSize: number;
}

/** Per-frame scalar features; frame i is centred at (i·hopSize + frameSize/2) / sampleRateHz seconds. */
export interface FrameFeatures {
	layout: FrameLayout;
	sampleCount: number;
	clippedSampleCount: number;
	frameRms: number[];
	spectralFlux: number[];
	/** One entry per pitch frame (frame index = entry index · pitchEveryFrames); 0 = unvoiced or silent. */
	f0Hz: number[];
}

/** Whether a frame (or bin of frames) with this RMS is above the −60 dBFS silence floor. */
export function isSoundingRms(rms: number): boolean {
	return rms >= SILENCE_FLOOR_RMS;
}

export function frameLayoutFor(sampleRateHz: number): FrameLayout {
	const frameSize = 2 ** Math.round(Math.log2(sampleRateHz * TARGET_FRAME_DURATION_S));
	return { sampleRateHz, frameSize, hopSize: frameSize / 4, pitchEveryFrames: 2, pitchWindowSize: frameSize / 2 };
}

export function frameCentreMs(layout: FrameLayout, frameIndex: number): number {
	return ((frameIndex * layout.hopSize + layout.frameSize / 2) / layout.sampleRateHz) * 1000;
}

/** The frame whose centre is nearest to `timeMs`. */
export function frameIndexAt(layout: FrameLayout, timeMs: number): number {
	return Math.round(((timeMs / 1000) * layout.sampleRateHz - layout.frameSize / 2) / layout.hopSize);
}

/**
 * Mean frame RMS of the `halfWidth` frames after `index` over that of the `halfWidth` frames before it:
 * below 1 the level falls across the frame, above 1 it rises. NaN when a side is empty or both are silent.
 */
export function levelRatioAcross(frameRms: readonly number[], index: number, halfWidth: number): number {
	return meanOf(frameRms, index + 1, Math.min(frameRms.length, index + 1 + halfWidth)) / meanOf(frameRms, Math.max(0, index - halfWidth), index);
}

function meanOf(values: readonly number[], from: number, to: number): number {
	let sum = 0;
	for (let i = from; i < to; i++) sum += values[i]!;
	return to > from ? sum / (to - from) : Number.NaN;
}

/**
 * Consumes a mono stream chunk by chunk and keeps only scalar features per frame. Each frame's
 * spectrum is computed once with fft.js; meyda is not used because `extract` recomputes the
 * spectrum on every call and its spectral flux extractor is broken (meyda issue #852).
 */
export class FrameFeatureExtractor {
	private readonly layout: FrameLayout;
	private readonly fft: FFT;
	private readonly spectrum: number[];
	private readonly logMagnitude: Float64Array;
	/** The previous frame's log magnitudes, max-filtered across pitch. */
	private readonly previousLogMagnitudeMax: Float64Array;
	private readonly maxFilterQueue: Int32Array;
	private readonly magnitudeScale: number;
	private readonly pitch: YinPitchEstimator;
	/** Samples not yet consumed by a whole frame; grows once to frameSize + chunk length, then is reused. */
	private pending = new Float32Array(0);
	private pendingLength = 0;
	private readonly features: FrameFeatures;

	constructor(sampleRateHz: number) {
		this.layout = frameLayoutFor(sampleRateHz);
		const { frameSize } = this.layout;
		this.fft = new FFT(frameSize);
		// The Hann window sums to frameSize / 2, so a full-scale sine then has a peak bin magnitude of about 1.
		this.magnitudeScale = 4 / frameSize;
		this.spectrum = this.fft.createComplexArray() as number[];
		this.logMagnitude = new Float64Array(frameSize / 2 + 1);
		this.previousLogMagnitudeMax = new Float64Array(frameSize / 2 + 1);
		this.maxFilterQueue = new Int32Array(frameSize / 2 + 1);
		this.pitch = new YinPitchEstimator({
			sampleRateHz,
			windowSize: this.layout.pitchWindowSize,
			minF0Hz: MIN_F0_HZ,
			maxF0Hz: MAX_F0_HZ,
			threshold: YIN_THRESHOLD
		});
		this.features = { layout: this.layout, sampleCount: 0, clippedSampleCount: 0, frameRms: [], spectralFlux: [], f0Hz: [] };
	}

	push(samples: Float32Array): void {
		const { frameSize, hopSize } = this.layout;
		this.features.sampleCount += samples.length;
		for (const sample of samples) if (Math.abs(sample) >= CLIP_LEVEL) this.features.clippedSampleCount++;
		const available = this.pendingLength + samples.length;
		if (available > this.pending.length) {
			const grown = new Float32Array(available);
			grown.set(this.pending.subarray(0, this.pendingLength));
			this.pending = grown;
		}
		this.pending.set(samples, this.pendingLength);
		let offset = 0;
		for (; offset + frameSize <= available; offset += hopSize) this.analyseFrame(this.pending.subarray(offset, offset + frameSize));
		this.pending.copyWithin(0, offset, available);
		this.pendingLength = available - offset;
	}

	finish(): FrameFeatures {
		return this.features;
	}

	/** One FFT per frame: flux takes its Hann-windowed form, YIN reuses it as is. */
	private analyseFrame(frame: Float32Array): void {
		const frameIndex = this.features.frameRms.length;
		let energy = 0;
		for (let i = 0; i < frame.length; i++) energy += frame[i]! * frame[i]!;
		const rms = Math.sqrt(energy / frame.length);
		this.features.frameRms.push(rms);
		this.fft.realTransform(this.spectrum, frame);
		this.features.spectralFlux.push(this.spectralFlux());
		if (frameIndex % this.layout.pitchEveryFrames === 0) {
			this.features.f0Hz.push(isSoundingRms(rms) ? this.pitch.estimate(frame, this.spectrum) : 0);
		}
	}

	/**
	 * Mean half-wave-rectified rise of log magnitude per bin over the previous frame, where the previous
	 * frame takes in each bin its maximum within ±50 cents: a partial that only moves in pitch (vibrato)
	 * then shows no rise, and neither does noise, whose bins fluctuate below their neighbours' maxima.
	 */
	private spectralFlux(): number {
		const current = this.logMagnitude;
		const previousMax = this.previousLogMagnitudeMax;
		const binCount = current.length;
		const spectrum = this.spectrum;
		let flux = 0;
		for (let k = 0; k < binCount; k++) {
			// A periodic Hann window is the 3-tap kernel (−¼, ½, −¼) across bins. Bins −1 and N/2+1 are the
			// conjugates of 1 and N/2−1, so at both edges the neighbours' imaginary parts cancel.
			const isEdge = k === 0 || k === binCount - 1;
			const below = k === 0 ? 1 : k - 1;
			const above = k === binCount - 1 ? k - 1 : k + 1;
			const re = 0.5 * spectrum[2 * k]! - 0.25 * (spectrum[2 * below]! + spectrum[2 * above]!);
			const im = isEdge ? 0 : 0.5 * spectrum[2 * k + 1]! - 0.25 * (spectrum[2 * below + 1]! + spectrum[2 * above + 1]!);
			const logMagnitude = Math.log1p(FLUX_LOG_GAIN * Math.sqrt(re * re + im * im) * this.magnitudeScale);
			current[k] = logMagnitude;
			const rise = logMagnitude - previousMax[k]!;
			if (rise > 0) flux += rise;
		}
		maxFilterAcrossPitch(current, previousMax, this.maxFilterQueue);
		// The first frame has nothing before it: rising from "nothing" would make room noise at the start an onset.
		return this.features.spectralFlux.length === 0 ? 0 : flux / binCount;
	}
}

/**
 * output[k] = max of input over bins within ±50 cents of bin k (at least ±1 bin). The window widens
 * in proportion to frequency and both its ends only move up, so a monotonic queue gives it in O(bins).
 */
function maxFilterAcrossPitch(input: Float64Array, output: Float64Array, queue: Int32Array): void {
	let head = 0;
	let tail = 0;
	let nextIn = 0;
	for (let k = 0; k < input.length; k++) {
		const halfWidth = Math.max(1, Math.round(k * (FLUX_MAX_FILTER_RATIO - 1)));
		const windowEnd = Math.min(input.length - 1, k + halfWidth);
		for (; nextIn <= windowEnd; nextIn++) {
			while (tail > head && input[queue[tail - 1]!]! <= input[nextIn]!) tail--;
			queue[tail++] = nextIn;
		}
		while (queue[head]! < k - halfWidth) head++;
		output[k] = input[queue[head]!]!;
	}
}
