/** The parts of Vitest's JSON report the closing line needs. */
export interface VitestJsonReport {
	numPassedTests: number;
	numFailedTests: number;
	numPendingTests: number;
	numTodoTests: number;
	testResults?: Array<{ name: string; status: string; message?: string; assertionResults: Array<{ status: string }> }>;
}

export interface StepResult {
	name: string;
	exitCode: number;
	/** A test runner writes a report; a check (typecheck, lint, install) does not. */
	isTestRunner: boolean;
	report?: VitestJsonReport;
}

export interface TestRunSummary {
	passed: number;
	failed: number;
	skipped: number;
	problems: string[];
	line: string;
}

function brokenFileProblem(file: { message?: string; assertionResults: Array<{ status: string }> }): string {
	const reason = file.message ? `: ${file.message.split("\n")[0]}` : "";
	if (file.assertionResults.length === 0) return `failed to load${reason}`;
	const notRun = file.assertionResults.filter((test) => test.status !== "passed").length;
	return `failed in a setup or teardown hook (${notRun} of its ${file.assertionResults.length} tests did not run)${reason}`;
}

/**
 * Counts a whole run honestly: every test of every runner, each check that is not a test runner
 * as one result, a test file that failed to load or in a hook as a failure, and a runner that
 * exited non-zero without reporting any failing test (it crashed, or never wrote its report) as
 * one more.
 */
export function summarizeTestRun(steps: StepResult[]): TestRunSummary {
	let passed = 0;
	let failed = 0;
	let skipped = 0;
	const problems: string[] = [];
	for (const step of steps) {
		if (!step.isTestRunner) {
			if (step.exitCode === 0) passed += 1;
			else {
				failed += 1;
				problems.push(`${step.name} (exit code ${step.exitCode})`);
			}
			continue;
		}
		const report = step.report;
		if (!report) {
			failed += 1;
			problems.push(`${step.name}: no report was written (exit code ${step.exitCode})`);
			continue;
		}
		passed += report.numPassedTests;
		failed += report.numFailedTests;
		skipped += report.numPendingTests + report.numTodoTests;
		if (report.numFailedTests > 0) problems.push(`${step.name}: ${report.numFailedTests} failing test(s)`);
		// A file whose setup or teardown failed: Vitest marks its tests skipped and fails none of them.
		const brokenFiles = (report.testResults ?? []).filter((file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"));
		for (const file of brokenFiles) problems.push(`${step.name}: ${file.name} ${brokenFileProblem(file)}`);
		failed += brokenFiles.length;
		if (step.exitCode !== 0 && report.numFailedTests === 0 && brokenFiles.length === 0) {
			failed += 1;
			problems.push(`${step.name}: exited with code ${step.exitCode} without a failing test`);
		}
	}
	return { passed, failed, skipped, problems, line: `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}` };
}

/** Vitest's headings of the parts of its output that say why a run failed. */
const FAILURE_HEADING = /(Failed Suites|Failed Tests|Unhandled Errors?|Errors) \d*/;

/**
 * What a failed step printed about its failure, for the end of the run, where a CI log is read:
 * Vitest's failure sections when it printed any, otherwise (a typecheck, a lint, a crash) the
 * step's last lines. Colours, blank lines, source frames and DOM dumps are left out; at most
 * `maxLines` lines.
 */
export function failureExcerpt(output: string, maxLines = 20): string[] {
	// eslint-disable-next-line no-control-regex
	const lines = output.replace(/\u001b\[[0-9;]*m/g, "").split("\n");
	const start = lines.findIndex((line) => FAILURE_HEADING.test(line) && line.includes("⎯"));
	if (start < 0) return lines.slice(-maxLines);
	// Source frames and Testing Library's DOM dumps take the room the next error needs.
	const noise = [/^\s*(\d+\|| \|)/, /^\s*$/, /^Ignored nodes:/, /^\s*<\/?[\w-]+/, /^\s*[\w-]+="[^"]*"$/, /^\s*\/?>$/];
	return lines
		.slice(start)
		.filter((line) => !noise.some((pattern) => pattern.test(line)))
		.slice(0, maxLines);
}
