#!/usr/bin/env bash
# The README's test command: installs the hardware tools the RTL tests need and NVRTC for the
# CUDA kernel tests (both idempotent), then runs the whole test suite with them required (a
# missing Verilator, NVRTC or g++ is an error, not a skip). A GPU stays optional.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-hdl-tools.sh
bash tools/install-nvrtc.sh
export NEUROFUSE_REQUIRE_VERILATOR=1
export NEUROFUSE_REQUIRE_NVRTC=1
export NEUROFUSE_REQUIRE_GXX=1
cargo test --workspace "$@"
