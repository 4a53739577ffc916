#!/usr/bin/env bash
# Creates .venv-dev with the Python tools the checks use (requirements-dev.txt: zizmor), apart from .venv so that the
# SQLMesh environment the tests run stays exactly the bridge's requirements. Idempotent: does nothing when .venv-dev
# already holds what requirements-dev.txt asks for. Only PyPI is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-python3}"
requirements="requirements-dev.txt"
stamp=".venv-dev/.requirements.sha"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x .venv-dev/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
"$python_bin" -m venv .venv-dev
.venv-dev/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
echo "$(.venv-dev/bin/zizmor --version) installed in .venv-dev"
