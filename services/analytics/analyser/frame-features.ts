import FFT from "fft.js";
import { YinPitchEstimator } from "./yin";

/** Frames quieter than this (RMS re a full-scale square wave) count as silence. */
export const SILENCE_FLOOR_DBFS = -60;
const SILENCE_FLOOR_RMS = 10 ** (SILENCE_FLOOR_DBFS / 20);
/** |sample| at or above this is counted as clipped (int16 full scale is 32767/32768). */
const CLIP_LEVEL = 0.999;
const TARGET_FRAME_DURATION_S = 0.0464;
/** Log compression of magnitudes so soft onsets weigh in flux almost as much as loud ones. */
const FLUX_LOG_GAIN = 100;
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

export function frameLayoutFor(sampleRateHz: number): FrameLayout {
	const frameSize = 2 ** Math.round(Math.log2(sampleRateHz * TARGET_FRAME_DURATION_S));
	return { sampleRateHz, frameSize, hopSize: frameSize / 4, pitchEveryFrames: 2, pitchWindowSize: frameSize / 2 };
}

export function frameCentreMs(layout: FrameLayout, frameIndex: number): number {
	return ((frameIndex * layout.hopSize + layout.frameSize / 2) / layout.sampleRateHz) * 1000;
}

/**
 * Consumes a mono stream chunk by chunk and keeps only scalar features per frame. Each frame's
 * spectrum is computed once with fft.js; meyda is not used because `extract` recomputes the
 * spectrum on every call and its spectral flux extractor is broken (meyda issue #852).
 */
export class FrameFeatureExtractor {
	private readonly layout: FrameLayout;
	private readonly fft: FFT;
	private readonly window: Float64Array;
	private readonly windowed: Float64Array;
	private readonly spectrum: number[];
	private previousLogMagnitude: Float64Array;
	private logMagnitude: Float64Array;
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
		this.window = new Float64Array(frameSize);
		let windowSum = 0;
		for (let i = 0; i < frameSize; i++) {
			this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frameSize);
			windowSum += this.window[i]!;
		}
		// A full-scale sine then has a peak bin magnitude of about 1.
		this.magnitudeScale = 2 / windowSum;
		this.windowed = new Float64Array(frameSize);
		this.spectrum = this.fft.createComplexArray() as number[];
		this.previousLogMagnitude = new Float64Array(frameSize / 2 + 1);
		this.logMagnitude = new Float64Array(frameSize / 2 + 1);
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

	private analyseFrame(frame: Float32Array): void {
		const frameIndex = this.features.frameRms.length;
		let energy = 0;
		for (let i = 0; i < frame.length; i++) {
			energy += frame[i]! * frame[i]!;
			this.windowed[i] = frame[i]! * this.window[i]!;
		}
		const rms = Math.sqrt(energy / frame.length);
		this.features.frameRms.push(rms);
		this.features.spectralFlux.push(this.spectralFlux());
		if (frameIndex % this.layout.pitchEveryFrames === 0) {
			this.features.f0Hz.push(rms >= SILENCE_FLOOR_RMS ? this.pitch.estimate(frame) : 0);
		}
	}

	/** Mean half-wave-rectified rise of log magnitude per bin since the previous frame. */
	private spectralFlux(): number {
		this.fft.realTransform(this.spectrum, this.windowed);
		const binCount = this.logMagnitude.length;
		let flux = 0;
		for (let k = 0; k < binCount; k++) {
			const re = this.spectrum[2 * k]!;
			const im = this.spectrum[2 * k + 1]!;
			const magnitude = Math.sqrt(re * re + im * im) * this.magnitudeScale;
			const logMagnitude = Math.log1p(FLUX_LOG_GAIN * magnitude);
			this.logMagnitude[k] = logMagnitude;
			const rise = logMagnitude - this.previousLogMagnitude[k]!;
			if (rise > 0) flux += rise;
		}
		[this.previousLogMagnitude, this.logMagnitude] = [this.logMagnitude, this.previousLogMagnitude];
		return flux / binCount;
	}
}
