#!/usr/bin/env bash
# Installs the hardware tools the RTL tests need (Verilator, Yosys, Icarus Verilog) from
# Debian's packages. Idempotent: does nothing when every tool is already on PATH.
set -euo pipefail
missing=()
for tool in verilator yosys iverilog; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "hdl tools present: $(verilator --version | head -1); $(yosys -V); $(iverilog -V 2>/dev/null | head -1)"
  exit 0
fi
echo "installing: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends verilator yosys iverilog make g++ >/dev/null
verilator --version
