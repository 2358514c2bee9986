#!/usr/bin/env bash
# Exports the chip's Verilog (builtin:small: the core, router, delivery and emission units, tick
# controller, mesh and chip top) and checks it with every tool that consumes it: Verilator lint
# (-Wall, each waiver explained in hdl/src/waivers.vlt), Icarus Verilog
# (-g2012), Yosys (synth_xilinx, synth_ice40, generic synth), then prints the hardware cost
# per block. Usage: tools/hdl/check.sh [OUT_DIR]. FULL_SYNTH=1 runs the generic `synth` to
# the end (about 5 minutes on 2 cores); by default it stops before fine-grained mapping.
# CHIP_SYNTH=1 also synthesizes the whole 2 x 2 chip for Xilinx 7-series (about 2 minutes);
# ICE40_SYNTH=1 the core for iCE40 (about 5 minutes; a full core does not fit an iCE40, so CI
# skips it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "${1:-$root/target/hdl-check}" && cd "${1:-$root/target/hdl-check}" && pwd)"
cd "$root"
cargo run --release -q -- verilog --out "$out" >/dev/null
cd "$out"
top=neuron_core

echo "== verilator --lint-only -Wall ($(verilator --version))"
verilator --lint-only -Wall --top-module "$top" "$top.vlt" "$top.v"

echo "== iverilog -g2012 ($(iverilog -V 2>/dev/null | head -1))"
iverilog -g2012 -s "$top" -o "$top.vvp" "$top.v"

echo "== yosys synth_xilinx ($(yosys -V))"
yosys -q -l yosys_xilinx.log -p "read_verilog $top.v; synth_xilinx -top $top; stat"
if [ "${ICE40_SYNTH:-0}" = 1 ]; then
  echo "== yosys synth_ice40"
  yosys -q -l yosys_ice40.log -p "read_verilog $top.v; synth_ice40 -top $top; stat"
fi
if [ "${FULL_SYNTH:-0}" = 1 ]; then
  echo "== yosys synth (full)"
  yosys -q -l yosys_generic.log -p "read_verilog $top.v; synth -top $top; stat"
else
  echo "== yosys synth (to fine-grained mapping; FULL_SYNTH=1 for all of it)"
  yosys -q -l yosys_generic.log -p "read_verilog $top.v; synth -top $top -run begin:fine; stat"
fi

echo "== the router node: verilator -Wall, iverilog, synth_xilinx"
verilator --lint-only -Wall --top-module spike_router "$top.vlt" spike_router.v
iverilog -g2012 -s spike_router -o spike_router.vvp spike_router.v
yosys -q -l yosys_router_xilinx.log -p "read_verilog spike_router.v; synth_xilinx -flatten -top spike_router; stat"
python3 "$root/tools/hdl/resources.py" yosys_router_xilinx.log | tee resources_router_xilinx.txt

echo "== the synapse-delivery unit: verilator -Wall, iverilog, synth_xilinx"
verilator --lint-only -Wall --top-module synapse_delivery "$top.vlt" synapse_delivery.v
iverilog -g2012 -s synapse_delivery -o synapse_delivery.vvp synapse_delivery.v
yosys -q -l yosys_delivery_xilinx.log -p "read_verilog synapse_delivery.v; synth_xilinx -flatten -top synapse_delivery; stat"
python3 "$root/tools/hdl/resources.py" yosys_delivery_xilinx.log | tee resources_delivery_xilinx.txt

echo "== the spike-emission unit and the tick controller: verilator -Wall, synth_xilinx"
for unit in spike_emission tick_controller; do
  verilator --lint-only -Wall --top-module "$unit" "$top.vlt" "$unit.v"
  yosys -q -l "yosys_${unit}_xilinx.log" -p "read_verilog $unit.v; synth_xilinx -flatten -top $unit; stat"
  python3 "$root/tools/hdl/resources.py" "yosys_${unit}_xilinx.log" | tee "resources_${unit}_xilinx.txt"
done

echo "== the chip (2 x 2 cores, mesh, host bus): verilator -Wall, iverilog"
chip_files="neuron_core.v spike_router.v synapse_delivery.v spike_emission.v tick_controller.v spike_mesh.v neurofuse_chip.v"
verilator --lint-only -Wall --top-module neurofuse_chip "$top.vlt" $chip_files
iverilog -g2012 -s neurofuse_chip -o neurofuse_chip.vvp $chip_files
if [ "${CHIP_SYNTH:-0}" = 1 ]; then
  echo "== the chip: synth_xilinx (about 2 minutes on 2 cores)"
  yosys -q -l yosys_chip_xilinx.log -p "read_verilog $chip_files; synth_xilinx -top neurofuse_chip; stat"
  awk '/=== design hierarchy ===/{f=1} f && /Number of cells|LUT[1-6] |FD[RSCP]E |RAMB|DSP48|CARRY4|RAM32M/' yosys_chip_xilinx.log | head -14 | tee resources_chip_xilinx.txt
fi

echo "== hardware cost per block, Xilinx 7-series (synth_xilinx, hierarchy kept)"
python3 "$root/tools/hdl/resources.py" yosys_xilinx.log | tee resources_xilinx.txt
if [ "${ICE40_SYNTH:-0}" = 1 ]; then
  echo "== iCE40 (synth_ice40 flattens: one total)"
  python3 "$root/tools/hdl/resources.py" yosys_ice40.log | tee resources_ice40.txt
fi
