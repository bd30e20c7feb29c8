/**
 * A recording's points in PostgreSQL's binary COPY format, one stream per monthly partition.
 * Binary rather than text: PostgreSQL then parses no uuid, float or timestamp text, which is most
 * of what a text COPY of these rows costs the server; and every row of a series shares its
 * identifying columns, encoded once per series here.
 */

/** The columns of `metrics`, in the order the encoded rows carry them. */
export const METRIC_COPY_COLUMNS = ["session_id", "student_id", "video_id", "analyser_version", "kind", "metric_key", "metric_val", "unit", "ts"] as const;

/** One series of points: the same kind, key and unit, values at offsets from the recording's start. */
export interface PointSeries {
	kind: "summary" | "curve";
	key: string;
	unit: string;
	values: ArrayLike<number | null | undefined>;
	offsetsMs: ArrayLike<number>;
}

export interface CopyRecording {
	sessionId: string;
	studentId: string;
	videoId: string;
	analyserVersion: string;
	recordedAt: Date;
}

// The signature, then 32-bit flags (no OIDs) and the length of a header extension (none).
const HEADER = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const UINT32 = 2 ** 32;

/** Appends binary COPY rows; each row is a series' template with its value and time written in. */
class CopyWriter {
	private buffer: Buffer;
	private view: DataView;
	private length = 0;

	constructor(expectedBytes: number) {
		this.buffer = Buffer.allocUnsafe(Math.max(64, expectedBytes + HEADER.length + 2));
		this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
		this.buffer.set(HEADER, 0);
		this.length = HEADER.length;
	}

	private room(bytes: number): void {
		if (this.length + bytes <= this.buffer.length) return;
		const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
		this.buffer.copy(grown, 0, 0, this.length);
		this.buffer = grown;
		this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
	}

	row(template: RowTemplate, value: number | null | undefined, epochMs: number): void {
		const isNull = value === null || value === undefined;
		const bytes = isNull ? template.nullRow : template.valueRow;
		this.room(bytes.length);
		const at = this.length;
		this.buffer.set(bytes, at);
		if (!isNull) this.view.setFloat64(at + template.valueAt + 4, value);
		// A timestamptz: microseconds since 2000-01-01 UTC as a signed 64-bit integer.
		const micros = (epochMs - POSTGRES_EPOCH_MS) * 1000;
		const high = Math.floor(micros / UINT32);
		const timeAt = at + bytes.length - 8;
		this.view.setInt32(timeAt, high);
		this.view.setUint32(timeAt + 4, micros - high * UINT32);
		this.length = at + bytes.length;
	}

	finish(): Buffer {
		this.room(2);
		this.view.setInt16(this.length, -1);
		return this.buffer.subarray(0, this.length + 2);
	}
}

/** A series' row with everything but its value and time filled in, with and without a value. */
interface RowTemplate {
	valueRow: Buffer;
	nullRow: Buffer;
	valueAt: number;
}

function rowTemplate(leading: Buffer, unit: Buffer): RowTemplate {
	const time = Buffer.alloc(12);
	time.writeInt32BE(8);
	const value = Buffer.alloc(12);
	value.writeInt32BE(8);
	const noValue = Buffer.alloc(4);
	noValue.writeInt32BE(-1);
	return { valueRow: Buffer.concat([leading, value, unit, time]), nullRow: Buffer.concat([leading, noValue, unit, time]), valueAt: leading.length };
}

function field(bytes: Buffer): Buffer {
	const length = Buffer.allocUnsafe(4);
	length.writeInt32BE(bytes.length);
	return Buffer.concat([length, bytes]);
}

function uuidField(uuid: string): Buffer {
	return field(Buffer.from(uuid.replaceAll("-", ""), "hex"));
}

function textField(text: string): Buffer {
	return field(Buffer.from(text, "utf8"));
}

function monthStartMs(epochMs: number): number {
	const time = new Date(epochMs);
	return Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1);
}

function nextMonthStartMs(epochMs: number): number {
	const time = new Date(epochMs);
	return Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + 1, 1);
}

/**
 * Encodes the points as binary COPY data for each partition they fall in. `partitionOfMonth`
 * maps a UTC month start (ms) to its partition (ensureMonthPartitions); timestamps are whole
 * milliseconds, as the analyser's offsets are.
 */
export function encodeMetricCopy(recording: CopyRecording, series: readonly PointSeries[], partitionOfMonth: ReadonlyMap<number, string>): Map<string, Buffer> {
	const identity = Buffer.concat([
		uuidField(recording.sessionId),
		uuidField(recording.studentId),
		uuidField(recording.videoId),
		textField(recording.analyserVersion)
	]);
	const fieldCount = Buffer.alloc(2);
	fieldCount.writeInt16BE(METRIC_COPY_COLUMNS.length);
	const templates = series.map(({ kind, key, unit }) => rowTemplate(Buffer.concat([fieldCount, identity, textField(kind), textField(key)]), textField(unit)));
	const expectedBytes = series.reduce((bytes, { offsetsMs }, index) => bytes + offsetsMs.length * templates[index]!.valueRow.length, 0);
	const start = recording.recordedAt.getTime();
	const writers = new Map<string, CopyWriter>();
	series.forEach(({ values, offsetsMs }, seriesIndex) => {
		const template = templates[seriesIndex]!;
		let monthBegin = Infinity;
		let monthEnd = -Infinity;
		let writer: CopyWriter | undefined;
		for (let index = 0; index < offsetsMs.length; index++) {
			const ts = start + Math.round(offsetsMs[index]!);
			if (ts >= monthEnd || ts < monthBegin) {
				monthBegin = monthStartMs(ts);
				monthEnd = nextMonthStartMs(ts);
				const partition = partitionOfMonth.get(monthBegin);
				if (!partition) throw new Error(`No partition of metrics for the month of ${new Date(ts).toISOString()}`);
				writer = writers.get(partition);
				if (!writer) writers.set(partition, (writer = new CopyWriter(expectedBytes)));
			}
			writer!.row(template, values[index], ts);
		}
	});
	return new Map([...writers].map(([partition, writer]) => [partition, writer.finish()]));
}
