#!/usr/bin/env bash
# npm run bench: generates the projects, runs the seed-style CLI loop and the action side by side, and prints medians,
# ratios and PASS/MISS per target (see bench/bench.mjs for the BENCH_* settings). Uses the committed dist/index.js as
# it is: the bundle a runner runs. PostgreSQL (libpq's PGHOST/PGPORT/PGUSER) is needed for the concurrency part only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
[ -f dist/index.js ] || { echo "dist/index.js is missing: run npm run build first" >&2; exit 1; }
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
# The action runs on Node 24 (action.yml: node24); BENCH_NODE points at another node binary when npx cannot fetch it.
if [ -n "${BENCH_NODE:-}" ]; then
  exec "$BENCH_NODE" bench/bench.mjs "$@"
fi
exec npx --yes -p node@24 node bench/bench.mjs "$@"
