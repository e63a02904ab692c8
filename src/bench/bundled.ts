// `bench` as one bundled file (esbuild; scripts/gpu-check-prepare.sh) for a machine with Node but no
// node_modules: the engine module comes in statically instead of through loadEngine's import by URL.
//
//   node out/gpu-check/bench.mjs tricubic --sizes 1024 4096 --thicksteps 5 --backend webgpu wasm --dtype f32
import * as engine from '../simulator/engine.ts';
import { provideEngine } from './image-case.ts';
import { benchMain } from './cli.ts';

provideEngine(engine);
process.exitCode = await benchMain(process.argv.slice(2));
