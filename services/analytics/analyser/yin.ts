import FFT from "fft.js";

export interface YinOptions {
	sampleRateHz: number;
	/** Samples compared per lag; the frame handed to `estimate` must hold twice this many. */
	windowSize: number;
	minF0Hz: number;
	maxF0Hz: number;
	/** Cumulative-mean-normalised difference below which a dip counts as periodic (de Cheveigné & Kawahara use 0.1–0.15). */
	threshold: number;
}

/**
 * YIN pitch estimator (de Cheveigné & Kawahara, 2002). The difference function is computed from one
 * FFT cross-correlation instead of the O(window × lag) loop used by pitchfinder's YIN, which would
 * alone take most of the ≥ 100× real-time budget.
 */
/** Multi-period refinement looks for a dip up to this fraction of the window. */
const REFINE_LAG_FRACTION = 0.5;

export class YinPitchEstimator {
	private readonly fft: FFT;
	private readonly firstHalf: Float64Array;
	private readonly firstHalfSpectrum: number[];
	private readonly product: number[];
	private readonly correlation: number[];
	private readonly energyPrefix: Float64Array;
	private readonly normalisedDifference: Float64Array;
	private readonly minLag: number;
	private readonly maxLag: number;

	constructor(private readonly options: YinOptions) {
		const fftSize = options.windowSize * 2;
		this.fft = new FFT(fftSize);
		this.firstHalf = new Float64Array(fftSize);
		this.firstHalfSpectrum = this.fft.createComplexArray() as number[];
		this.product = this.fft.createComplexArray() as number[];
		this.correlation = this.fft.createComplexArray() as number[];
		this.energyPrefix = new Float64Array(fftSize + 1);
		this.normalisedDifference = new Float64Array(options.windowSize + 1);
		this.minLag = Math.max(2, Math.floor(options.sampleRateHz / options.maxF0Hz));
		this.maxLag = Math.min(options.windowSize - 1, Math.ceil(options.sampleRateHz / options.minF0Hz));
	}

	/**
	 * Returns f0 in Hz, or 0 when the frame is not periodic enough to be called voiced.
	 * `frameSpectrum` is fft.js's `realTransform` of the whole (unwindowed) frame, bins 0…N/2,
	 * which the caller has computed anyway: it is reused for the cross-correlation.
	 */
	estimate(frame: Float32Array, frameSpectrum: readonly number[]): number {
		const { windowSize } = this.options;
		const fftSize = windowSize * 2;
		for (let i = 0; i < windowSize; i++) this.firstHalf[i] = frame[i]!;
		this.fft.realTransform(this.firstHalfSpectrum, this.firstHalf);
		const a = this.firstHalfSpectrum;
		// conj(A)·B is the spectrum of r(τ) = Σ a[j]·b[j+τ]; it is Hermitian, so the upper half mirrors the lower.
		for (let k = 0; k <= fftSize / 2; k++) {
			const aRe = a[2 * k]!;
			const aIm = a[2 * k + 1]!;
			const bRe = frameSpectrum[2 * k]!;
			const bIm = frameSpectrum[2 * k + 1]!;
			const re = aRe * bRe + aIm * bIm;
			const im = aRe * bIm - aIm * bRe;
			this.product[2 * k] = re;
			this.product[2 * k + 1] = im;
			if (k > 0 && k < fftSize / 2) {
				this.product[2 * (fftSize - k)] = re;
				this.product[2 * (fftSize - k) + 1] = -im;
			}
		}
		this.fft.inverseTransform(this.correlation, this.product);

		this.energyPrefix[0] = 0;
		for (let i = 0; i < fftSize; i++) this.energyPrefix[i + 1] = this.energyPrefix[i]! + frame[i]! * frame[i]!;
		const windowEnergy = this.energyPrefix[windowSize]!;
		if (windowEnergy <= 0) return 0;

		let runningSum = 0;
		this.normalisedDifference[0] = 1;
		for (let lag = 1; lag <= this.maxLag + 1; lag++) {
			const shiftedEnergy = this.energyPrefix[lag + windowSize]! - this.energyPrefix[lag]!;
			const difference = Math.max(0, windowEnergy + shiftedEnergy - 2 * this.correlation[2 * lag]!);
			runningSum += difference;
			this.normalisedDifference[lag] = runningSum > 0 ? (difference * lag) / runningSum : 1;
		}

		const bestLag = this.firstDipBelowThreshold();
		if (bestLag === 0) return 0;
		return this.options.sampleRateHz / this.refinedPeriod(this.interpolateLag(bestLag));
	}

	/**
	 * Parabolic interpolation misplaces a dip by a roughly constant fraction of a sample, which at
	 * 1760 Hz and 22 kHz (12.5-sample period) is 8 cents. Interpolating the dip k periods away and
	 * dividing by k shrinks that error k-fold.
	 */
	private refinedPeriod(period: number): number {
		const periodsInReach = Math.floor(Math.min(this.maxLag - 1, this.options.windowSize * REFINE_LAG_FRACTION) / period);
		if (periodsInReach < 2) return period;
		const expectedLag = Math.round(period * periodsInReach);
		let dipLag = expectedLag;
		for (let lag = expectedLag - 2; lag <= expectedLag + 2; lag++) {
			if (this.normalisedDifference[lag]! < this.normalisedDifference[dipLag]!) dipLag = lag;
		}
		return this.interpolateLag(dipLag) / periodsInReach;
	}

	private firstDipBelowThreshold(): number {
		const dip = this.normalisedDifference;
		for (let lag = this.minLag; lag <= this.maxLag; lag++) {
			if (dip[lag]! < this.options.threshold) {
				while (lag + 1 <= this.maxLag && dip[lag + 1]! < dip[lag]!) lag++;
				return lag;
			}
		}
		return 0;
	}

	private interpolateLag(lag: number): number {
		const before = this.normalisedDifference[lag - 1]!;
		const at = this.normalisedDifference[lag]!;
		const after = this.normalisedDifference[lag + 1]!;
		const curvature = before - 2 * at + after;
		return curvature > 0 ? lag + (before - after) / (2 * curvature) : lag;
	}
}
