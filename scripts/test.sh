#!/usr/bin/env bash
# Every test, in the order that fails fastest: types, lint, unit, integration against real
# PostgreSQL, then several nodes talking over real NATS.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh

results=test-results/vitest
rm -rf "$results" && mkdir -p "$results"

step() { printf '\n=== %s\n' "$1"; }
step "typecheck" && npm run --silent typecheck
step "lint" && npm run --silent lint
for project in unit integration multinode; do
	step "$project tests"
	npx vitest run --project "$project" --reporter=default --reporter=json --outputFile="$results/$project.json"
done

step "client: install, typecheck, lint"
npm --prefix client ci --no-audit --no-fund
npm --prefix client run --silent typecheck
npm --prefix client run --silent lint
step "client component tests"
(cd client && npx vitest run --reporter=default --reporter=json --outputFile="../$results/client.json")
step "client end-to-end tests in Chromium"
(cd client && npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile="../$results/client-e2e.json")

npx tsx scripts/summarize-tests.ts "$results"
