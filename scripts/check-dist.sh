#!/usr/bin/env bash
# Fails when the committed dist/ differs from what the last `npm run build` wrote: runners run dist/index.js, so a
# change to src/ that is not rebuilt and committed would never run. .ci/run and the check-dist workflow call it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git diff --quiet -- dist || [ -n "$(git ls-files --others --exclude-standard -- dist)" ]; then
  echo "dist/ does not match a fresh build of src/: run 'npm run build' and commit dist/." >&2
  git diff --stat -- dist >&2
  git ls-files --others --exclude-standard -- dist >&2
  exit 1
fi
echo "dist/ matches a fresh build."
