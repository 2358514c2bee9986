#!/usr/bin/env bash
# The README's test command: installs the hardware tools the RTL tests need (idempotent),
# then runs the whole test suite with the RTL required (a missing Verilator is an error,
# not a skip).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-hdl-tools.sh
export NEUROFUSE_REQUIRE_VERILATOR=1
cargo test --workspace "$@"
