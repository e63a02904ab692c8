#!/usr/bin/env bash
# The one-shot GPU check, run on the GPU machine after scripts/gpu-check-prepare.sh here
# (device tool: carry ["out/gpu-check", "build"], timeout_s about 420). Writes parity.txt,
# check.txt (ending with one GPU-CHECK-JSON line) and reports/<run>/ (a bench report: 1024^2 and 4096^2
# tricubic, with and without 5 layers, webgpu against wasm) into $OUT (or ./gpu-check-out).
set -uo pipefail
G=out/gpu-check
OUT=${OUT:-gpu-check-out}; mkdir -p "$OUT"
nvidia-smi -L 2>&1 | head -2
NODE=$(command -v node || true)
if [ -z "$NODE" ]; then
  NODE=/tmp/node
  (xz -dc "$G/node.xz" || python3 -c "import lzma,sys;sys.stdout.buffer.write(lzma.open('$G/node.xz').read())") > "$NODE" && chmod +x "$NODE"
fi
ldconfig -p | grep -q libvulkan.so.1 || export LD_LIBRARY_PATH="$PWD/$G/lib"
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export NANOBRAGG_GOLDEN="$PWD/$G/golden/" CI=true
# the bench's GPU probe imports 'webgpu' from the repository root
[ -d node_modules/webgpu ] || { mkdir -p node_modules && cp -r "$G/node_modules/webgpu" node_modules/; }
"$NODE" "$G/webgpu.test.mjs" > "$OUT/parity.txt" 2>&1; echo "parity exit $?"
grep -E "webgpu tests on|worst|Total|Passed|FAIL" "$OUT/parity.txt" | head -40
"$NODE" "$G/check.mjs" --sizes ${GPU_CHECK_SIZES:-1024 4096} --kernel-sizes ${GPU_CHECK_KERNEL_SIZES:-1024 2048} --repeats 3 --no-parity > "$OUT/check.txt" 2>&1; echo "check exit $?"
grep -v GPU-CHECK-JSON "$OUT/check.txt" | tail -12
"$NODE" "$G/bench.mjs" tricubic --sizes ${GPU_CHECK_SIZES:-1024 4096} --thicksteps 5 --backend webgpu wasm --dtype f32 --repeats 3 --out "$OUT/reports" > "$OUT/bench.txt" 2>&1; echo "bench exit $?"
grep -E "^(webgpu|wasm) |^target|measured|^wrote" "$OUT/bench.txt" | tail -12
