/** Small descriptive statistics on plain arrays; callers guarantee non-empty input. */

export function mean(values: readonly number[]): number {
	let sum = 0;
	for (const value of values) sum += value;
	return sum / values.length;
}

export function standardDeviation(values: readonly number[]): number {
	const average = mean(values);
	let squares = 0;
	for (const value of values) squares += (value - average) ** 2;
	return Math.sqrt(squares / values.length);
}

/** Percentile with linear interpolation between closest ranks (NumPy's default, "type 7"). */
export function percentile(values: readonly number[], fraction: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const rank = fraction * (sorted.length - 1);
	const lower = Math.floor(rank);
	const upper = Math.min(lower + 1, sorted.length - 1);
	return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

export function median(values: readonly number[]): number {
	return percentile(values, 0.5);
}

/** Least-squares slope of values against their index. */
export function slopePerIndex(values: readonly number[]): number {
	const count = values.length;
	const indexMean = (count - 1) / 2;
	const valueMean = mean(values);
	let covariance = 0;
	let indexVariance = 0;
	for (let i = 0; i < count; i++) {
		covariance += (i - indexMean) * (values[i]! - valueMean);
		indexVariance += (i - indexMean) ** 2;
	}
	return indexVariance > 0 ? covariance / indexVariance : 0;
}
