#!/usr/bin/env bash
# Every test suite, in the order that fails fastest: types, lint, unit, integration against real
# PostgreSQL, several nodes over real NATS, then the app. A failing step never stops the steps
# after it; the closing line counts every runner's results (a failed typecheck or lint, or a
# suite that could not even load, is a failure) and the exit code is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh || { echo "0 passed, 1 failed (the servers the tests need are not available)"; exit 1; }

results=test-results/vitest
rm -rf "$results" && mkdir -p "$results"
steps="$results/steps.tsv"
: >"$steps"

# step NAME REPORT COMMAND...: runs COMMAND, records its exit code, the Vitest JSON report it
# writes (REPORT, or - for a check that is not a test runner) and what it printed (repeated at the
# end for a failed step, where a CI log is read).
step() {
	local name=$1 report=$2 log
	shift 2
	log="$results/step-$(wc -l <"$steps").log"
	printf '\n=== %s\n' "$name"
	"$@" 2>&1 | tee "$log"
	printf '%s\t%s\t%s\t%s\n' "$name" "${PIPESTATUS[0]}" "$report" "$log" >>"$steps"
}
vitest_args() { echo "--reporter=default --reporter=json --outputFile=$1"; }

step "typecheck" - npm run --silent typecheck
step "lint" - npm run --silent lint
for project in unit integration multinode; do
	# shellcheck disable=SC2046
	step "$project tests" "$results/$project.json" npx vitest run --project "$project" $(vitest_args "$results/$project.json")
done

# The scheduling and teacher-toolkit suites once per process time zone (vitest.config.ts).
# shellcheck disable=SC2046
step "scheduling and teaching tests under UTC, America/New_York, Asia/Kolkata" "$results/zoned.json" npx vitest run --project "zoned-*" $(vitest_args "$results/zoned.json")

step "client: install" - npm --prefix client ci --no-audit --no-fund
step "client: typecheck" - npm --prefix client run --silent typecheck
step "client: lint" - npm --prefix client run --silent lint
# shellcheck disable=SC2046
step "client component tests" "$results/client.json" bash -c "cd client && npx vitest run $(vitest_args "../$results/client.json")"
# shellcheck disable=SC2046
step "client end-to-end tests in Chromium" "$results/client-e2e.json" bash -c "cd client && npx vitest run --config vitest.e2e.config.ts $(vitest_args "../$results/client-e2e.json")"

npx tsx scripts/summarize-tests.ts "$steps"
