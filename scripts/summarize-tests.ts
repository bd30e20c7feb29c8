// Adds up the Vitest JSON reports of one run into the single closing line CI reads.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

interface VitestJsonReport {
	numPassedTests: number;
	numFailedTests: number;
	numPendingTests: number;
	numTodoTests: number;
}

const folder = process.argv[2] ?? "test-results/vitest";
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(folder).filter((name) => name.endsWith(".json"))) {
	const report = JSON.parse(readFileSync(path.join(folder, file), "utf8")) as VitestJsonReport;
	passed += report.numPassedTests;
	failed += report.numFailedTests;
	skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
