#!/usr/bin/env bash
# The README's test command: installs the hardware tools the RTL tests need, NVRTC for the
# CUDA kernel tests and Python's safetensors for the export tests (all idempotent), then runs
# the whole test suite with them required (a missing Verilator, NVRTC, g++ or safetensors is
# an error, not a skip). A GPU stays optional.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-hdl-tools.sh
bash tools/install-nvrtc.sh
bash tools/install-python-tools.sh
export NEUROFUSE_REQUIRE_VERILATOR=1
export NEUROFUSE_REQUIRE_NVRTC=1
export NEUROFUSE_REQUIRE_GXX=1
export NEUROFUSE_REQUIRE_PYTHON_SAFETENSORS=1
cargo test --workspace "$@"
