import { Errors } from "moleculer";
import { z } from "zod";

/**
 * The motion file the phone uploads beside a recording (documented in docs/sensor-file.md):
 * JSON `{ version: 1, startedAt, samples: [{ t, gyro, accel? }] }` or CSV with the header
 * `t_ms,gyro_x,gyro_y,gyro_z,accel_x,accel_y,accel_z`.
 */

export type Vector3 = [number, number, number];

export interface SensorSample {
	/** Milliseconds since the recording started. */
	tMs: number;
	gyroRadPerS: Vector3;
	accelMPerS2?: Vector3;
}

export interface SensorRecording {
	/** ISO time the recording started; CSV files do not carry it. */
	startedAt: string | null;
	samples: SensorSample[];
}

export const SENSOR_FILE_LIMITS = {
	maxBytes: 64 * 1024 * 1024,
	maxSamples: 600_000,
	/** Recordings are at most 5 minutes; the rest is headroom for late stops. */
	maxDurationMs: 15 * 60 * 1000,
	/** Mean sample rate bounds: slower cannot show bow tremor, faster than any phone IMU delivers. */
	minRateHz: 5,
	maxRateHz: 1000,
	/** Phone gyroscopes saturate near 35 rad/s and accelerometers near 16 g. */
	maxAbsGyroRadPerS: 100,
	maxAbsAccelMPerS2: 2000
} as const;

export const SENSOR_CSV_HEADER = "t_ms,gyro_x,gyro_y,gyro_z,accel_x,accel_y,accel_z";

export interface SensorFormatProblem {
	reason: string;
	/** 1-based line in a CSV file. */
	line?: number;
	/** 0-based index into `samples`. */
	sampleIndex?: number;
}

export class SensorFileError extends Errors.MoleculerClientError {
	constructor(problem: SensorFormatProblem) {
		const where = problem.line != null ? ` (line ${problem.line})` : problem.sampleIndex != null ? ` (sample ${problem.sampleIndex})` : "";
		super(`Sensor file rejected: ${problem.reason}${where}`, 422, "ERR_SENSOR_FORMAT", problem);
		this.name = "SensorFileError";
	}
}

const vector3 = z.tuple([z.number(), z.number(), z.number()]);
const jsonSensorFile = z.object({
	version: z.literal(1),
	startedAt: z.iso.datetime({ offset: true }),
	samples: z.array(z.object({ t: z.number(), gyro: vector3, accel: vector3.optional() }))
});

export function parseSensorFile(content: string | Buffer, format: "json" | "csv" | "auto" = "auto"): SensorRecording {
	if (Buffer.byteLength(content) > SENSOR_FILE_LIMITS.maxBytes) {
		throw new SensorFileError({ reason: `the file is larger than ${SENSOR_FILE_LIMITS.maxBytes} bytes` });
	}
	const text = content.toString().replace(/^\uFEFF/, "");
	const isJson = format === "json" || (format === "auto" && text.trimStart().startsWith("{"));
	const recording = isJson ? parseJson(text) : parseCsv(text);
	validateSamples(recording.samples);
	return recording;
}

function parseJson(text: string): SensorRecording {
	let document: unknown;
	try {
		document = JSON.parse(text);
	} catch (error) {
		throw new SensorFileError({ reason: `invalid JSON: ${(error as Error).message}` });
	}
	const samples = (document as { samples?: unknown } | null)?.samples;
	if (Array.isArray(samples) && samples.length > SENSOR_FILE_LIMITS.maxSamples) throw tooManySamples();
	const parsed = jsonSensorFile.safeParse(document);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const [field, index] = issue.path;
		throw new SensorFileError({
			reason: `${issue.path.join(".") || "document"}: ${issue.message}`,
			...(field === "samples" && typeof index === "number" ? { sampleIndex: index } : {})
		});
	}
	return {
		startedAt: parsed.data.startedAt,
		samples: parsed.data.samples.map(({ t, gyro, accel }) => (accel ? { tMs: t, gyroRadPerS: gyro, accelMPerS2: accel } : { tMs: t, gyroRadPerS: gyro }))
	};
}

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseCsv(text: string): SensorRecording {
	const lines = text.split(/\r?\n/);
	const header = lines[0]!.trim().toLowerCase().replace(/\s+/g, "");
	if (header !== SENSOR_CSV_HEADER) throw new SensorFileError({ reason: `the header must be "${SENSOR_CSV_HEADER}"`, line: 1 });
	// Counted up front so an oversized upload is refused before any row is parsed.
	if (lines.filter((line) => line.trim() !== "").length - 1 > SENSOR_FILE_LIMITS.maxSamples) throw tooManySamples();
	const samples: SensorSample[] = [];
	for (let lineIndex = 1; lineIndex < lines.length; lineIndex++) {
		const line = lines[lineIndex]!.trim();
		if (line === "") continue;
		const lineNumber = lineIndex + 1;
		const cells = line.split(",").map((cell) => cell.trim());
		if (cells.length !== 7) throw new SensorFileError({ reason: `expected 7 columns, found ${cells.length}`, line: lineNumber });
		const number = (column: number): number => {
			if (!DECIMAL_NUMBER.test(cells[column]!)) {
				throw new SensorFileError({ reason: `column ${column + 1} is not a number: "${cells[column]}"`, line: lineNumber });
			}
			return Number(cells[column]);
		};
		const accelCells = cells.slice(4);
		const hasAccel = accelCells.some((cell) => cell !== "");
		if (hasAccel && accelCells.includes("")) throw new SensorFileError({ reason: "accel_x, accel_y and accel_z must be all present or all empty", line: lineNumber });
		const sample: SensorSample = { tMs: number(0), gyroRadPerS: [number(1), number(2), number(3)] };
		if (hasAccel) sample.accelMPerS2 = [number(4), number(5), number(6)];
		samples.push(sample);
	}
	return { startedAt: null, samples };
}

function tooManySamples(): SensorFileError {
	return new SensorFileError({ reason: `more than ${SENSOR_FILE_LIMITS.maxSamples} samples` });
}

function validateSamples(samples: readonly SensorSample[]): void {
	const limits = SENSOR_FILE_LIMITS;
	samples.forEach((sample, sampleIndex) => {
		const fail = (reason: string) => new SensorFileError({ reason, sampleIndex });
		const values = [sample.tMs, ...sample.gyroRadPerS, ...(sample.accelMPerS2 ?? [])];
		if (!values.every(Number.isFinite)) throw fail("values must be finite numbers");
		if (sample.tMs < 0) throw fail("timestamps must not be negative");
		if (sampleIndex > 0 && sample.tMs <= samples[sampleIndex - 1]!.tMs) throw fail("timestamps must increase strictly");
		if (sample.tMs > limits.maxDurationMs) throw fail(`the recording is longer than ${limits.maxDurationMs} ms`);
		if (sample.gyroRadPerS.some((value) => Math.abs(value) > limits.maxAbsGyroRadPerS)) throw fail(`gyro beyond ±${limits.maxAbsGyroRadPerS} rad/s`);
		if (sample.accelMPerS2?.some((value) => Math.abs(value) > limits.maxAbsAccelMPerS2)) throw fail(`accel beyond ±${limits.maxAbsAccelMPerS2} m/s²`);
	});
	if (samples.length < 2) return;
	const spanMs = samples[samples.length - 1]!.tMs - samples[0]!.tMs;
	const meanRateHz = ((samples.length - 1) * 1000) / spanMs;
	if (meanRateHz < limits.minRateHz || meanRateHz > limits.maxRateHz) {
		throw new SensorFileError({ reason: `mean sample rate ${meanRateHz.toFixed(1)} Hz is outside ${limits.minRateHz}–${limits.maxRateHz} Hz` });
	}
}
