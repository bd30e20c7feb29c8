import { describe, expect, it } from "vitest";
import { SENSOR_CSV_HEADER, SENSOR_FILE_LIMITS, parseSensorFile } from "./sensor-file";

function jsonFile(samples: unknown[], extra: Record<string, unknown> = {}): string {
	return JSON.stringify({ version: 1, startedAt: "2026-11-26T07:30:00.000Z", samples, ...extra });
}

function evenSamples(count: number, periodMs = 10): { t: number; gyro: number[]; accel: number[] }[] {
	return Array.from({ length: count }, (_, i) => ({ t: i * periodMs, gyro: [0.1, -0.2, 0.3], accel: [0, 9.81, 0] }));
}

function csvFile(rows: string[]): string {
	return [SENSOR_CSV_HEADER, ...rows].join("\n");
}

describe("sensor file", () => {
	it("parses the JSON format into samples with units in their names", () => {
		const recording = parseSensorFile(jsonFile(evenSamples(3)));
		expect(recording.startedAt).toBe("2026-11-26T07:30:00.000Z");
		expect(recording.samples).toHaveLength(3);
		expect(recording.samples[1]).toEqual({ tMs: 10, gyroRadPerS: [0.1, -0.2, 0.3], accelMPerS2: [0, 9.81, 0] });
	});

	it("accepts JSON samples without accelerometer data", () => {
		const recording = parseSensorFile(jsonFile([{ t: 0, gyro: [0, 0, 1] }, { t: 20, gyro: [0, 0, 2] }]));
		expect(recording.samples[0]).toEqual({ tMs: 0, gyroRadPerS: [0, 0, 1] });
	});

	it("parses the CSV format, with CRLF line ends, a BOM, blank lines and empty accel cells", () => {
		const content = `\uFEFF${SENSOR_CSV_HEADER}\r\n0,0.1,0.2,0.3,0,9.8,0\r\n\r\n16.5,1e-2,-0.2,.3,,,\r\n`;
		const recording = parseSensorFile(content);
		expect(recording.startedAt).toBeNull();
		expect(recording.samples).toEqual([
			{ tMs: 0, gyroRadPerS: [0.1, 0.2, 0.3], accelMPerS2: [0, 9.8, 0] },
			{ tMs: 16.5, gyroRadPerS: [0.01, -0.2, 0.3] }
		]);
	});

	it.each([
		{ name: "timestamps going backwards", samples: [...evenSamples(3), { t: 5, gyro: [0, 0, 0] }], sampleIndex: 3 },
		{ name: "a repeated timestamp", samples: [...evenSamples(2), { t: 10, gyro: [0, 0, 0] }], sampleIndex: 2 },
		{ name: "a negative timestamp", samples: [{ t: -1, gyro: [0, 0, 0] }, ...evenSamples(2)], sampleIndex: 0 },
		{ name: "a gyro vector with two components", samples: [...evenSamples(2), { t: 30, gyro: [0, 0] }], sampleIndex: 2 },
		{ name: "a string instead of a number", samples: [...evenSamples(4), { t: 50, gyro: [0, "1", 0] }], sampleIndex: 4 },
		{ name: "an implausible gyro reading", samples: [...evenSamples(2), { t: 30, gyro: [0, 1e6, 0] }], sampleIndex: 2 },
		{ name: "a timestamp beyond the maximum duration", samples: [{ t: 0, gyro: [0, 0, 0] }, { t: SENSOR_FILE_LIMITS.maxDurationMs + 1, gyro: [0, 0, 0] }], sampleIndex: 1 }
	])("rejects JSON with $name, naming the sample", ({ samples, sampleIndex }) => {
		expect(() => parseSensorFile(jsonFile(samples))).toThrow(expect.objectContaining({ type: "ERR_SENSOR_FORMAT", code: 422, data: expect.objectContaining({ sampleIndex }) }));
	});

	it.each([
		{ name: "a wrong version", content: jsonFile(evenSamples(2), { version: 2 }) },
		{ name: "a startedAt that is not an ISO time", content: jsonFile(evenSamples(2), { startedAt: "yesterday" }) },
		{ name: "broken JSON", content: '{ "version": 1, "samples": [' },
		{ name: "samples that are a string, not an array", content: jsonFile([], { samples: "x".repeat(SENSOR_FILE_LIMITS.maxSamples + 1) }) },
		{ name: "a sample rate of 1 Hz", content: jsonFile(evenSamples(5, 1000)) },
		{ name: "a sample rate of 10 kHz", content: jsonFile(evenSamples(5, 0.1)) }
	])("rejects JSON with $name", ({ content }) => {
		expect(() => parseSensorFile(content)).toThrow(expect.objectContaining({ type: "ERR_SENSOR_FORMAT" }));
	});

	it.each([
		{ name: "a wrong header", content: "t,gx,gy,gz\n0,0,0,0", line: 1 },
		{ name: "a missing column", content: csvFile(["0,0,0,0,0,0,0", "10,0,0,0,0,0"]), line: 3 },
		{ name: "a non-numeric cell", content: csvFile(["0,0,0,0,0,0,0", "10,0,abc,0,0,0,0"]), line: 3 },
		{ name: "a hexadecimal cell", content: csvFile(["0,0,0x10,0,0,0,0"]), line: 2 },
		{ name: "an Infinity cell", content: csvFile(["0,0,Infinity,0,0,0,0"]), line: 2 },
		{ name: "a partial accel vector", content: csvFile(["0,0,0,0,1,,"]), line: 2 }
	])("rejects CSV with $name, naming the line", ({ content, line }) => {
		expect(() => parseSensorFile(content)).toThrow(expect.objectContaining({ type: "ERR_SENSOR_FORMAT", data: expect.objectContaining({ line }) }));
	});

	it("rejects CSV with non-increasing timestamps, naming the sample", () => {
		expect(() => parseSensorFile(csvFile(["0,0,0,0,,,", "10,0,0,0,,,", "10,0,0,0,,,"]))).toThrow(
			expect.objectContaining({ type: "ERR_SENSOR_FORMAT", data: expect.objectContaining({ sampleIndex: 2 }) })
		);
	});

	it("rejects more samples than the limit before validating each one", () => {
		const content = `${SENSOR_CSV_HEADER}\n${"0,0,0,0,,,\n".repeat(SENSOR_FILE_LIMITS.maxSamples + 1)}`;
		expect(() => parseSensorFile(content)).toThrow(expect.objectContaining({ type: "ERR_SENSOR_FORMAT", message: expect.stringContaining("more than") }));
	});

	it("puts the reason and the place in a readable message", () => {
		expect(() => parseSensorFile(csvFile(["0,0,0,0,,,", "10,0,zz,0,,,"]))).toThrow('Sensor file rejected: column 3 is not a number: "zz" (line 3)');
	});
});
