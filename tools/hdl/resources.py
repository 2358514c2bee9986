#!/usr/bin/env python3
"""Per-block hardware cost from a Yosys log (`stat` after a hierarchical synth).

Usage: resources.py YOSYS_LOG [--markdown]
Groups module instances by block (neuron_core__factor2_3 -> factor) and sums LUTs,
flip-flops, block RAMs, DSPs (Xilinx) or SB_* cells (iCE40). The totals row counts every
module once per instance (rust-hdl emits one module per instance).
"""
import re
import sys
from collections import defaultdict

CLASSES = {
    "LUT": re.compile(r"^(LUT\d|SB_LUT4)$"),
    "FF": re.compile(r"^(FD\w*|SB_DFF\w*)$"),
    "BRAM": re.compile(r"^(RAMB\w+|SB_RAM40_4K\w*)$"),
    "DSP": re.compile(r"^(DSP48\w*|SB_MAC16)$"),
    "CARRY": re.compile(r"^(CARRY4|SB_CARRY)$"),
}


def parse(path):
    modules, current = {}, None
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"^=== (\S+) ===", line)
        if m:
            current = m.group(1)
            modules[current] = defaultdict(int)
            continue
        if line.startswith("=== design hierarchy"):
            current = None
        m = re.match(r"^\s+(\S+)\s+(\d+)$", line)
        if current and m:
            cell, count = m.group(1), int(m.group(2))
            for cls, pattern in CLASSES.items():
                if pattern.match(cell):
                    modules[current][cls] += count
    return modules


def block_of(module):
    name = module.split("__", 1)[1] if "__" in module else "(top glue)"
    return re.sub(r"\d+(_\d+)?$", "", name) or name


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: resources.py YOSYS_LOG [--markdown]")
    modules = parse(sys.argv[1])
    if not modules:
        sys.exit(f"{sys.argv[1]}: no `stat` output found (run Yosys with `stat` and -l LOG)")
    blocks = defaultdict(lambda: defaultdict(int))
    count = defaultdict(int)
    for module, cells in modules.items():
        block = block_of(module)
        count[block] += 1
        for cls, n in cells.items():
            blocks[block][cls] += n
    cols = list(CLASSES)
    md = "--markdown" in sys.argv
    rows = sorted(blocks.items(), key=lambda kv: -kv[1]["LUT"])
    total = {c: sum(b[c] for b in blocks.values()) for c in cols}
    if md:
        print("| block | instances | " + " | ".join(cols) + " |")
        print("|---|---:|" + "---:|" * len(cols))
        for block, cells in rows:
            print(f"| {block} | {count[block]} | " + " | ".join(str(cells[c]) for c in cols) + " |")
        print(f"| **total** | | " + " | ".join(f"**{total[c]}**" for c in cols) + " |")
    else:
        print(f"{'block':<22}{'inst':>5}" + "".join(f"{c:>7}" for c in cols))
        for block, cells in rows:
            print(f"{block:<22}{count[block]:>5}" + "".join(f"{cells[c]:>7}" for c in cols))
        print(f"{'total':<22}{'':>5}" + "".join(f"{total[c]:>7}" for c in cols))


if __name__ == "__main__":
    main()
