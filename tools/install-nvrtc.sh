#!/usr/bin/env bash
# Installs NVRTC (NVIDIA's run-time CUDA compiler, a plain shared library that needs no GPU
# and no driver) from its PyPI wheel into a directory of its own, so the CUDA kernel tests can
# compile the generated kernels on any Linux x86-64 machine. Idempotent: does nothing when the
# library is already there. The tests find it there without any setting (see docs/cuda.md);
# NEUROFUSE_NVRTC_LIB overrides the path.
set -euo pipefail
version="12.4.127"
dir="${XDG_DATA_HOME:-$HOME/.local/share}/neurofuse/nvrtc"
lib="$dir/nvidia/cuda_nvrtc/lib/libnvrtc.so.12"
if [ ! -f "$lib" ]; then
  echo "installing from PyPI: nvidia-cuda-nvrtc-cu12==$version into $dir"
  rm -rf "$dir"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dir" \
    "nvidia-cuda-nvrtc-cu12==$version" 2>&1 | grep -v "as the 'root' user" || true
  [ -f "$lib" ] || { echo "NVRTC install failed: $lib is missing" >&2; exit 1; }
fi
echo "nvrtc: $lib"
