#!/usr/bin/env bash
# The test command (npm test): installs what the tests need, runs the static checks (ESLint, Prettier, actionlint,
# zizmor: scripts/lint.sh), rebuilds dist/ from src/, then runs every test on Node 24, the Node version GitHub runs the
# action with. Extra arguments go to jest (e.g. --selectProjects unit); SKIP_CHECKS=1 skips the static checks.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-python.sh
[ -x node_modules/.bin/jest ] || npm ci --no-audit --no-fund
[ "${SKIP_CHECKS:-}" = 1 ] || bash scripts/lint.sh
npm run -s build

NODE24=(npx --yes -p node@24 node)
echo "Running the tests on Node $("${NODE24[@]}" --version)"
results=$(mktemp)
status=0
NODE_NO_WARNINGS=1 "${NODE24[@]}" --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$results" "$@" || status=$?
# One plain closing line that any CI can read.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$results" || true
rm -f "$results"
exit "$status"
