import { describe, expect, it } from "vitest";
import { failureExcerpt, summarizeTestRun, type VitestJsonReport } from "./test-summary";

const report = (passed: number, failed: number, files: VitestJsonReport["testResults"] = []): VitestJsonReport => ({
	numPassedTests: passed,
	numFailedTests: failed,
	numPendingTests: 0,
	numTodoTests: 0,
	testResults: files
});

describe("the closing line of a test run", () => {
	it("adds up every runner and counts passing checks", () => {
		const summary = summarizeTestRun([
			{ name: "typecheck", exitCode: 0, isTestRunner: false },
			{ name: "unit", exitCode: 0, isTestRunner: true, report: report(10, 0) },
			{ name: "integration", exitCode: 0, isTestRunner: true, report: report(5, 0) }
		]);
		expect(summary.line).toBe("16 passed, 0 failed");
		expect(summary.failed).toBe(0);
	});

	it("counts a failed typecheck or lint as a failure", () => {
		const summary = summarizeTestRun([
			{ name: "typecheck", exitCode: 2, isTestRunner: false },
			{ name: "lint", exitCode: 1, isTestRunner: false },
			{ name: "unit", exitCode: 0, isTestRunner: true, report: report(3, 0) }
		]);
		expect(summary.line).toBe("3 passed, 2 failed");
		expect(summary.problems).toEqual(["typecheck (exit code 2)", "lint (exit code 1)"]);
	});

	it("counts failing tests of later suites too, and a test file that failed to load", () => {
		const summary = summarizeTestRun([
			{ name: "unit", exitCode: 1, isTestRunner: true, report: report(3, 1) },
			{
				name: "integration",
				exitCode: 1,
				isTestRunner: true,
				report: report(4, 0, [{ name: "broken.spec.ts", status: "failed", message: "SyntaxError: nope", assertionResults: [] }])
			}
		]);
		expect(summary.failed).toBe(2);
		expect(summary.problems[1]).toContain("broken.spec.ts failed to load: SyntaxError: nope");
	});

	it("counts a runner that crashed without a report, or exited non-zero without a failing test", () => {
		const summary = summarizeTestRun([
			{ name: "multinode", exitCode: 1, isTestRunner: true },
			{ name: "client", exitCode: 137, isTestRunner: true, report: report(7, 0) }
		]);
		expect(summary.line).toBe("7 passed, 2 failed");
	});

	it("counts a file whose setup hook failed, though Vitest reports its tests as skipped and none as failed", () => {
		const tests = [{ status: "skipped" }, { status: "skipped" }, { status: "skipped" }];
		const summary = summarizeTestRun([
			{ name: "multinode", exitCode: 1, isTestRunner: true, report: report(10, 0, [{ name: "gateway.spec.ts", status: "failed", assertionResults: tests }]) }
		]);
		expect(summary.line).toBe("10 passed, 1 failed");
		expect(summary.problems).toEqual(["multinode: gateway.spec.ts failed in a setup or teardown hook (3 of its 3 tests did not run)"]);
	});
});

describe("what a failed step printed about its failure", () => {
	const vitestOutput = [
		" \u001b[32m✓\u001b[39m passing.spec.ts (2 tests)",
		" ❯ gateway.spec.ts (3 tests | 3 skipped)",
		"",
		"\u001b[31m⎯⎯⎯⎯⎯⎯\u001b[39m\u001b[1m\u001b[41m Failed Suites 1 \u001b[49m\u001b[22m\u001b[31m⎯⎯⎯⎯⎯⎯⎯\u001b[39m",
		"",
		" FAIL  gateway.spec.ts",
		"Error: Timed out waiting for both nodes",
		"practice-1.log: {\"level\":60,\"msg\":\"cannot start\"}",
		"Ignored nodes: comments, script, style",
		"<html",
		'  class="ion-ce md"',
		">",
		"  <ion-alert",
		"  />",
		...Array.from({ length: 40 }, (_, index) => `frame ${index}`)
	].join("\n");

	it("is Vitest's failure section, without colours or DOM dumps, cut to the first lines", () => {
		const excerpt = failureExcerpt(vitestOutput, 6);
		expect(excerpt[0]).toBe("⎯⎯⎯⎯⎯⎯ Failed Suites 1 ⎯⎯⎯⎯⎯⎯⎯");
		expect(excerpt).toContain("Error: Timed out waiting for both nodes");
		expect(excerpt).toEqual(expect.not.arrayContaining([expect.stringMatching(/<|class=|Ignored nodes/)]));
		expect(excerpt).toHaveLength(6);
	});

	it("is the last lines of a step that is not Vitest", () => {
		const lint = ["checking…", "src/a.ts", "  3:1  error  no-unused-vars", "✖ 1 problem"].join("\n");
		expect(failureExcerpt(lint, 2)).toEqual(["  3:1  error  no-unused-vars", "✖ 1 problem"]);
	});
});
