#!/usr/bin/env bash
# Prepares the one-shot WebGPU check for a machine with a real GPU (the device tool's H200) that
# has a driver but no Node and no package registry: bundles the parity suite and the GPU
# check (scripts/gpu-check.ts) and the bench command, and packs what they need into out/gpu-check
# (git-ignored, about 55 MB).
# Then run scripts/gpu-check-run.sh there, carrying out/gpu-check and build.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run asbuild >/dev/null
G=out/gpu-check
rm -rf "$G"
mkdir -p "$G/node_modules/webgpu/dist/linux-x64" "$G/lib"
B="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
npx esbuild scripts/gpu-check.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu "--banner:js=$B" --outfile="$G/check.mjs" --log-level=warning
npx esbuild src/bench/bundled.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu --external:esbuild "--banner:js=$B" --outfile="$G/bench.mjs" --log-level=warning
npx esbuild tests/webgpu.test.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu "--banner:js=$B" --outfile="$G/webgpu.test.mjs" --log-level=warning
# the threads' worker is loaded by URL beside the bundle that starts it (check.mjs, bench.mjs: wasm-threads)
cp src/threads/worker.js "$G/worker.js"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$G/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$G/node_modules/webgpu/dist/linux-x64/"
cp -r ../shared/golden "$G/golden"
cp -L /usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$G/lib/" 2>/dev/null || echo "note: no libvulkan.so.1 here to carry (apt-get install libvulkan1)"
xz -T0 -6 -c "$(command -v node)" > "$G/node.xz"
du -sh "$G"
