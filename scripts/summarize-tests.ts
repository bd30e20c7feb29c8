// Adds up one run's steps (scripts/test.sh) into the single closing line CI reads.
import { existsSync, readFileSync } from "node:fs";
import { failureExcerpt, summarizeTestRun, type StepResult, type VitestJsonReport } from "../lib/test-summary";

const stepsFile = process.argv[2] ?? "test-results/vitest/steps.tsv";
const rows = readFileSync(stepsFile, "utf8")
	.split("\n")
	.filter((line) => line.trim() !== "")
	.map((line) => line.split("\t"));
const steps: StepResult[] = rows.map(([name = "", exitCode = "1", reportPath = "-"]) => {
	const report = reportPath !== "-" && existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, "utf8")) as VitestJsonReport) : undefined;
	return { name, exitCode: Number(exitCode), isTestRunner: reportPath !== "-", report };
});

for (const [name = "", exitCode = "1", , logPath = ""] of rows) {
	if (exitCode === "0" || !existsSync(logPath)) continue;
	console.log(`\n=== why "${name}" failed (exit code ${exitCode}; whole output in ${logPath})`);
	for (const line of failureExcerpt(readFileSync(logPath, "utf8"))) console.log(line);
}
console.log("");

const summary = summarizeTestRun(steps);
for (const problem of summary.problems) console.log(`FAILED: ${problem}`);
console.log(summary.line);
process.exit(summary.failed > 0 ? 1 : 0);
