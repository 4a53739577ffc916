#!/usr/bin/env bash
# npm run demo: the pull-request, merge and nightly-watch story on DuckDB, end to end, with the bundled action run as a GitHub runner runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
[ -x node_modules/.bin/ncc ] || npm ci --no-audit --no-fund
[ -f dist/index.js ] || npm run -s build
exec npx --yes -p node@24 node scripts/demo.mjs "$@"
