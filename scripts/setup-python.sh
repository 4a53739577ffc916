#!/usr/bin/env bash
# Creates the project-local Python virtualenv (.venv) with the SQLMesh version range this action is tested against.
# Idempotent: does nothing when .venv already holds a matching SQLMesh.
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-python3}"
requirements="bridge/requirements.txt"
stamp=".venv/.requirements.sha"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
"$python_bin" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
.venv/bin/python -c 'import sqlmesh; print("sqlmesh", sqlmesh.__version__, "installed in .venv")'
