#!/usr/bin/env bash
# Installs what the export tests read trained networks back with: numpy and safetensors from
# PyPI (the check that a user's Python loads our files). Idempotent.
set -euo pipefail
if ! python3 -c "import numpy, safetensors.numpy" >/dev/null 2>&1; then
  echo "installing from PyPI: numpy safetensors"
  python3 -m pip install --quiet --disable-pip-version-check numpy safetensors 2>&1 \
    | grep -v "as the 'root' user" || true
  python3 -c "import numpy, safetensors.numpy"
fi
echo "python tools: numpy $(python3 -c 'import numpy; print(numpy.__version__)'), safetensors $(python3 -c 'import safetensors; print(safetensors.__version__)')"
