#!/usr/bin/env bash
# Installs what the RTL tests and checks need: Verilator, Yosys and Icarus Verilog from
# Debian's packages, and pyvcd (an independent VCD reader) from PyPI. Idempotent: installs
# only what is missing.
set -euo pipefail
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"
missing=()
for tool in verilator yosys iverilog make g++; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get update -qq
  $as_root apt-get install -y -qq --no-install-recommends verilator yosys iverilog make g++ >/dev/null
fi
if ! python3 -c "import vcd.reader" >/dev/null 2>&1; then
  echo "installing from PyPI: pyvcd"
  python3 -m pip install --quiet --disable-pip-version-check pyvcd 2>&1 | grep -v "as the 'root' user" || true
  python3 -c "import vcd.reader"
fi
echo "hdl tools: $(verilator --version); $(yosys -V); $(iverilog -V 2>/dev/null | head -1); pyvcd ok"
