#!/usr/bin/env bash
# The one-shot GPU check, run on the GPU machine after scripts/gpu-check-prepare.sh here
# (device tool: carry ["out/gpu-check", "build"], timeout_s 540; one command, about 5 minutes of an H200 with
# 16 cores, within a budget of under 10). Writes into $OUT (or ./gpu-check-out), 7 files (the device tool
# returns 8 at most, two folders down):
#   parity.txt  every golden case on the GPU within the pure-f32 tolerance, statistics against the host loop;
#   check.txt   scripts/gpu-check.ts: 1024^2 and 4096^2 tricubic, + 5 layers, absorption; the breadth workloads
#               (mosaic 10 and 100 domains, 27 sources) at 1024^2; the Pilatus-like case at 4096^2; batched
#               kernels; last line GPU-CHECK-JSON {...};
#   reports/<run>/  a bench report (loop_baseline.json/.md/.svg, env.json, run_log.txt): the loop workloads at
#               1024^2 on webgpu, wasm (one core) and wasm-threads (every core), f32.
# Each step has its own time limit (STEP_S, default 240 s for the check, 200 s for the bench, 120 s for parity), so
# one slow step cannot eat the rest of the budget. GPU_CHECK_SIZES, GPU_CHECK_BREADTH_SIZES,
# GPU_CHECK_PILATUS_SIZES and GPU_CHECK_KERNEL_SIZES override the sizes (a SwiftShader rehearsal here:
# GPU_CHECK_SIZES=64 GPU_CHECK_BREADTH_SIZES=32 GPU_CHECK_PILATUS_SIZES=64 GPU_CHECK_KERNEL_SIZES=64).
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
S=${GPU_CHECK_SIZES:-1024 4096}
BS=${GPU_CHECK_BREADTH_SIZES:-1024}
PS=${GPU_CHECK_PILATUS_SIZES:-4096}
KS=${GPU_CHECK_KERNEL_SIZES:-1024 2048}
T0=$(date +%s)
timeout 120 "$NODE" "$G/webgpu.test.mjs" > "$OUT/parity.txt" 2>&1; echo "parity exit $? ($(( $(date +%s) - T0 )) s)"
grep -E "webgpu tests on|worst|Total|Passed|FAIL" "$OUT/parity.txt" | head -40
timeout 240 "$NODE" "$G/check.mjs" --sizes $S --breadth-sizes $BS --pilatus-sizes $PS --kernel-sizes $KS --repeats 3 --no-parity > "$OUT/check.txt" 2>&1
echo "check exit $? ($(( $(date +%s) - T0 )) s)"
grep -v GPU-CHECK-JSON "$OUT/check.txt" | tail -20
# the bench's own log is reports/<run>/run_log.txt: its stdout is not kept twice
timeout 200 "$NODE" "$G/bench.mjs" loop --cases tricubic-os2 absorption-os2 mosaic10 mosaic100 sources27 --sizes $BS \
  --backend webgpu wasm wasm-threads --dtype f32 --repeats 3 --out "$OUT/reports" 2>&1 \
  | grep -E "^(webgpu|wasm|wasm-threads) |^skip|^FAIL|^target|measured|^wrote" | tail -30
echo "bench exit ${PIPESTATUS[0]} ($(( $(date +%s) - T0 )) s)"
