// The page: reads the form into a SimulationConfig, runs it with the library bundle (served at lib/ by
// src/serve.ts) and draws the image on a log colour scale. Plain JavaScript: the page needs no build step.
//
// For tests and the console: window.__lastResult holds the last SimulationResult (plus `runId`), and
// window.__nanobragg = { lib, ready, runs, simulator } (ready turns true once the page can run).

import * as lib from './lib/nanobragg.js';

const $ = (id) => document.getElementById(id);
const form = $('params');
const state = { simulator: null, key: '', hkl: null, hklName: '', runs: 0, busy: false };
window.__nanobragg = { lib, ready: false, runs: 0, simulator: null };

// --- form -> config ------------------------------------------------------------------------------

function numberField(name) {
  const el = form.elements[name];
  const text = el.value.trim();
  if (text === '') return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Error(`${el.closest('label')?.firstChild?.textContent?.trim() || name}: '${text}' is not a number`);
  return v;
}

function readConfig() {
  const cell = ['cell_a', 'cell_b', 'cell_c', 'cell_al', 'cell_be', 'cell_ga'].map((n) => {
    const v = numberField(n);
    if (v === undefined) throw new Error('the cell needs all six values');
    return v;
  });
  const config = { cell };
  const set = (key, v) => {
    if (v !== undefined) config[key] = v;
  };
  set('N', numberField('N'));
  set('defaultF', numberField('defaultF'));
  set('lambdaA', numberField('lambdaA'));
  set('distanceMm', numberField('distanceMm'));
  set('pixelMm', numberField('pixelMm'));
  set('detpixels', numberField('detpixels'));
  set('oversample', numberField('oversample'));
  set('detectorThickUm', numberField('detectorThickUm'));
  const abs = form.elements.detectorAbsUm.value.trim();
  if (abs !== '') config.detectorAbsUm = /^inf(inity)?$/i.test(abs) ? 'inf' : numberField('detectorAbsUm');
  set('thicksteps', numberField('thicksteps'));
  const interp = form.elements.interpolate.value;
  if (interp !== 'auto') config.interpolate = interp === 'on';
  if (state.hkl) {
    config.hkl = state.hkl;
    config.hklPath = state.hklName;
  }
  return config;
}

function engineOptions() {
  const threads = numberField('threads');
  const backend = form.elements.backend.value;
  // the threads field applies to the backends that take it (the library refuses it for the others)
  const takesThreads = backend === 'wasm-threads' || backend === 'auto';
  return { backend, dtype: form.elements.dtype.value, ...(threads !== undefined && takesThreads ? { threads } : {}) };
}

// --- drawing --------------------------------------------------------------------------------------

// viridis, 9 stops
const STOPS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];
const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i++) {
  const x = (i / 255) * (STOPS.length - 1);
  const j = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - j;
  for (let c = 0; c < 3; c++) LUT[i * 3 + c] = Math.round(STOPS[j][c] * (1 - f) + STOPS[j + 1][c] * f);
}

/** The log scale: values from lo to hi (hi = the image maximum, lo = hi / 10^decades) map to 0..255. */
function logScale(image, decades) {
  let hi = 0;
  for (let i = 0; i < image.length; i++) if (image[i] > hi) hi = image[i];
  const lo = hi > 0 ? hi / 10 ** decades : 0;
  return { lo, hi };
}

function drawImage(r, decades) {
  const canvas = $('image');
  canvas.width = r.width;
  canvas.height = r.height;
  const ctx = canvas.getContext('2d');
  const px = ctx.createImageData(r.width, r.height);
  const { lo, hi } = logScale(r.image, decades);
  const span = hi > lo && lo > 0 ? Math.log(hi / lo) : 1;
  for (let i = 0; i < r.image.length; i++) {
    const v = r.image[i];
    const t = v > lo && lo > 0 ? Math.min(1, Math.log(v / lo) / span) : 0;
    const k = Math.round(t * 255) * 3;
    px.data[i * 4] = LUT[k];
    px.data[i * 4 + 1] = LUT[k + 1];
    px.data[i * 4 + 2] = LUT[k + 2];
    px.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(px, 0, 0);
  drawColorbar(lo, hi);
}

function drawColorbar(lo, hi) {
  // drawn at the size it is shown, so the labels stay sharp
  const canvas = $('colorbar');
  const dpr = window.devicePixelRatio || 1;
  const h = Math.max(64, Math.round(canvas.clientHeight || 256));
  const w = Math.max(60, Math.round(canvas.clientWidth || 90));
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  const barW = 18, top = 8, bottom = h - 8;
  for (let y = top; y < bottom; y++) {
    const k = Math.round(((bottom - 1 - y) / (bottom - top - 1)) * 255) * 3;
    ctx.fillStyle = `rgb(${LUT[k]},${LUT[k + 1]},${LUT[k + 2]})`;
    ctx.fillRect(0, y, barW, 1);
  }
  ctx.strokeStyle = '#888';
  ctx.strokeRect(0.5, top + 0.5, barW - 1, bottom - top - 1);
  ctx.fillStyle = getComputedStyle(document.body).color;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  if (!(hi > 0)) {
    ctx.fillText('all 0', barW + 4, (top + bottom) / 2);
    return;
  }
  const l0 = Math.log10(lo), l1 = Math.log10(hi);
  const yOf = (l) => bottom - 1 - ((l - l0) / (l1 - l0)) * (bottom - top - 1);
  ctx.fillText(`max ${hi.toPrecision(3)}`, barW + 6, top);
  for (let e = Math.ceil(l0); e <= Math.floor(l1); e++) {
    const y = yOf(e);
    ctx.fillRect(barW, Math.round(y), 4, 1);
    if (y - top > 14) ctx.fillText(`1e${e}`, barW + 6, y);
  }
}

// --- runs -----------------------------------------------------------------------------------------

function showError(e) {
  const box = $('error');
  box.textContent = `error: ${(e && e.message) || e}`.split('\n')[0];
  box.hidden = false;
}

function fmt(s) {
  return s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`;
}

async function simulator(opts) {
  const key = JSON.stringify(opts);
  if (state.simulator && state.key === key) return state.simulator;
  if (state.simulator) await state.simulator.dispose();
  state.simulator = null;
  $('status').textContent = `starting ${opts.backend} …`;
  const t0 = performance.now();
  state.simulator = await lib.createSimulator(opts);
  state.startup_s = (performance.now() - t0) / 1000;
  state.key = key;
  window.__nanobragg.simulator = state.simulator;
  return state.simulator;
}

async function run(event) {
  event?.preventDefault();
  if (state.busy) return;
  state.busy = true;
  $('run').disabled = true;
  $('error').hidden = true;
  const progress = $('progress');
  try {
    const config = readConfig();
    const decades = numberField('decades') ?? 6;
    const sim = await simulator(engineOptions());
    $('status').textContent = `running on ${sim.backend} …`;
    progress.value = 0;
    progress.hidden = false;
    const r = await sim.simulate(config, { onProgress: (f) => (progress.value = f) });
    const runId = ++state.runs;
    drawImage(r, decades);
    showResult(r, runId);
    window.__lastResult = { ...r, runId, startup_s: state.startup_s };
    window.__nanobragg.runs = runId;
  } catch (e) {
    $('status').textContent = 'failed';
    showError(e);
    window.__lastError = { message: String((e && e.message) || e), runId: ++state.runs };
    window.__nanobragg.runs = state.runs;
  } finally {
    progress.hidden = true;
    state.busy = false;
    $('run').disabled = false;
  }
}

/** The engine's own time splits (threads: prepass; WebGPU: upload, kernel, readback ...). */
function otherTimings(t) {
  return Object.entries(t)
    .filter(([k, v]) => typeof v === 'number' && !['loop_s', 'prepare_s', 'total_s'].includes(k))
    .map(([k, v]) => `${k.replace(/_s$/, '')} ${fmt(v)}`)
    .join(', ');
}

function showResult(r, runId) {
  $('status').innerHTML = '';
  const b = document.createElement('strong');
  b.id = 'backend';
  b.textContent = r.backend;
  $('status').append('Run ', String(runId), ' on ', b, ` (${r.binary}, ${r.dtype}): ${fmt(r.timings.total_s)}`);
  const rows = [
    ['backend', `${r.backend}: ${r.backendReason}`],
    ['timings', `loop ${fmt(r.timings.loop_s)}, prepare ${fmt(r.timings.prepare_s)}, total ${fmt(r.timings.total_s)}` +
      (state.startup_s !== undefined ? `; engine start ${fmt(state.startup_s)}` : '')],
    ...(otherTimings(r.timings) ? [['engine timings', otherTimings(r.timings)]] : []),
    ['image', `${r.width} × ${r.height}, ${r.evaluations.toLocaleString()} evaluations`],
    ['max_I', r.stats.maxIndex < 0 ? '0 (no positive pixel)'
      : `${r.stats.maxI.toPrecision(6)} at pixel (slow ${Math.floor(r.stats.maxIndex / r.width)}, fast ${r.stats.maxIndex % r.width})`],
    ['mean / rms / rmsd', `${r.stats.mean.toPrecision(6)} / ${r.stats.rms.toPrecision(6)} / ${r.stats.rmsd.toPrecision(6)}`],
    ['interpolation', r.interpolation],
  ];
  const dl = $('summary');
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dd.dataset.key = k;
    return [dt, dd];
  }));
  $('warnings').replaceChildren(...r.warnings.map((w) => {
    const li = document.createElement('li');
    li.textContent = w;
    return li;
  }));
  $('warnings-box').hidden = r.warnings.length === 0;
  $('argv').textContent = ['nanoBragg', ...r.argv].join(' ');
}

// --- HKL upload -----------------------------------------------------------------------------------

$('hkl').addEventListener('change', async () => {
  const file = $('hkl').files[0];
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const grid = lib.loadHkl(bytes, { source: file.name });
    state.hkl = bytes;
    state.hklName = file.name;
    $('hkl-info').textContent = `${file.name}: ${grid.count} reflections, h ${grid.hMin}..${grid.hMax}, k ${grid.kMin}..${grid.kMax}, l ${grid.lMin}..${grid.lMax}` +
      (grid.warnings.length ? ` (${grid.warnings.length} warning${grid.warnings.length > 1 ? 's' : ''})` : '');
    $('error').hidden = true;
  } catch (e) {
    state.hkl = null;
    $('hkl').value = '';
    $('hkl-info').textContent = 'none: every reflection has F = default_F';
    showError(e);
  }
});

$('hkl-clear').addEventListener('click', () => {
  state.hkl = null;
  state.hklName = '';
  $('hkl').value = '';
  $('hkl-info').textContent = 'none: every reflection has F = default_F';
});

form.addEventListener('submit', run);

// --- start ----------------------------------------------------------------------------------------

async function listBackends() {
  const list = $('backends');
  const head = document.createElement('li');
  head.textContent = `cross-origin isolated: ${globalThis.crossOriginIsolated ? 'yes' : 'no'}`;
  try {
    const found = await lib.detectBackends();
    list.replaceChildren(head, ...found.map((b) => {
      const li = document.createElement('li');
      li.dataset.backend = b.backend;
      li.dataset.ok = String(b.ok);
      li.textContent = `${b.ok ? '✓' : '✗'} ${b.backend}: ${b.reason}`;
      return li;
    }));
  } catch (e) {
    list.replaceChildren(head);
    showError(e);
  }
}

$('status').textContent = 'ready: set the parameters and press Simulate';
$('run').disabled = false;
window.__nanobragg.ready = true;
listBackends();
