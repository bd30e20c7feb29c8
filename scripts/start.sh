#!/usr/bin/env bash
# The embedded default: builds the web app once if it is not built yet, then runs every
# service in this process. Configuration comes from the environment (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f client/dist/index.html ]; then
	echo "Building the web app (first start only)..."
	npm --prefix client ci --no-audit --no-fund
	npm --prefix client run build
fi
exec node --import tsx server.ts
