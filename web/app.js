// The page: reads the form into the library's SimulationConfig (src/index.ts; the library turns it into
// nanoBragg's command line and parses that, so the page has no parser of its own), runs it in a worker
// (web/engine-worker.js, cancellable by terminating it), draws the image on a log colour scale, reads out
// the pixel under the pointer (value, resolution, fractional h k l from the result's geometry and the
// library's pixelReadout), plots the radial profile and offers the float, SMV, PNG and noise files.
// Every form field lives in the address bar (a shareable link); a live mode re-renders while a slider turns
// the crystal. Plain JavaScript: the page needs no build step.
//
// For tests and the console: window.__lastResult holds the last SimulationResult (plus `runId`), and
// window.__nanobragg = { lib, ready, runs, liveFrames, cancelled, readout, profile }.

import * as lib from './lib/nanobragg.js';

const $ = (id) => document.getElementById(id);
const form = $('params');
const state = {
  worker: null, workerReady: null, seq: 0, runs: 0, busy: false, current: null,
  hkl: null, hklName: '', mat: null, matName: '', last: null, live: null, livePending: false,
};
const hooks = { lib, ready: false, runs: 0, liveFrames: 0, cancelled: 0, readout: null, profile: null };
window.__nanobragg = hooks;

// --- form -> config ------------------------------------------------------------------------------

function fieldLabel(el) {
  return el.getAttribute('aria-label') || el.closest('label')?.firstChild?.textContent?.trim() || el.name;
}

function numberField(name) {
  const el = form.elements[name];
  const text = el.value.trim();
  if (text === '') return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Error(`${fieldLabel(el)}: '${text}' is not a number`);
  return v;
}

/** A triple of fields (x y z): undefined when all three are empty, else each empty one is 0. */
function tripleField(prefix) {
  const v = ['x', 'y', 'z'].map((a) => numberField(`${prefix}_${a}`));
  return v.every((x) => x === undefined) ? undefined : v.map((x) => x ?? 0);
}

/** The fields that map one to one onto a SimulationConfig key of the same name. */
const NUMBER_KEYS = [
  'N', 'defaultF', 'lambdaA', 'distanceMm', 'pixelMm', 'detpixels', 'oversample', 'detectorThickUm', 'thicksteps',
  'phiDeg', 'oscDeg', 'phisteps', 'mosaicDeg', 'mosaicDomains', 'mosaicSeed', 'fluence', 'flux', 'exposureS',
  'beamsizeMm', 'waterUm', 'hdivrangeMrad', 'hdivsteps', 'vdivrangeMrad', 'vdivsteps', 'dispersionPct', 'dispsteps',
  'twothetaDeg',
];

function readConfig() {
  const config = {};
  if (!state.mat) {
    // with a matrix file the crystal comes from it: the cell fields are not used
    config.cell = ['cell_a', 'cell_b', 'cell_c', 'cell_al', 'cell_be', 'cell_ga'].map((n) => {
      const v = numberField(n);
      if (v === undefined) throw new Error('the cell needs all six values');
      return v;
    });
  }
  for (const key of NUMBER_KEYS) {
    const v = numberField(key);
    if (v !== undefined) config[key] = v;
  }
  const abs = form.elements.detectorAbsUm.value.trim();
  if (abs !== '') config.detectorAbsUm = /^inf(inity)?$/i.test(abs) ? 'inf' : numberField('detectorAbsUm');
  const interp = form.elements.interpolate.value;
  if (interp !== 'auto') config.interpolate = interp === 'on';
  const misset = tripleField('misset');
  if (misset) config.missetDeg = misset;
  const rot = tripleField('rot');
  if (rot) config.detectorRotDeg = rot;
  if (form.elements.convention.value !== 'mosflm') config.convention = form.elements.convention.value;
  if (form.elements.noise.checked) {
    const seed = numberField('seed');
    if (seed !== undefined) config.seed = seed;
  }
  if (state.hkl) {
    config.hkl = state.hkl;
    config.hklPath = state.hklName;
  }
  if (state.mat) {
    config.mat = state.mat;
    config.matPath = state.matName;
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

// --- the address bar ------------------------------------------------------------------------------

/** Fields kept out of the link: files (the browser cannot put them in a URL) and the live switch. */
const NOT_IN_URL = new Set(['hkl', 'mat', 'live']);

function urlFields() {
  return [...form.elements].filter((el) => el.name && !NOT_IN_URL.has(el.name) && el.type !== 'file' && el.tagName !== 'BUTTON');
}

/** The query string of every field that differs from its default. */
function formToQuery() {
  const q = new URLSearchParams();
  for (const el of urlFields()) {
    if (el.type === 'checkbox') {
      if (el.checked !== el.defaultChecked) q.set(el.name, el.checked ? '1' : '0');
    } else if (el.tagName === 'SELECT') {
      const dflt = [...el.options].find((o) => o.defaultSelected)?.value ?? el.options[0]?.value;
      if (el.value !== dflt) q.set(el.name, el.value);
    } else if (el.value !== el.defaultValue) q.set(el.name, el.value);
  }
  return q.toString();
}

/** Sets the fields named in a query string; returns the names it did not know. */
function queryToForm(search) {
  const unknown = [];
  const byName = new Map(urlFields().map((el) => [el.name, el]));
  for (const [name, value] of new URLSearchParams(search)) {
    const el = byName.get(name);
    if (!el) {
      unknown.push(name);
      continue;
    }
    if (el.type === 'checkbox') el.checked = value === '1';
    else if (el.tagName === 'SELECT') {
      if ([...el.options].some((o) => o.value === value)) el.value = value;
      else unknown.push(`${name}=${value}`);
    } else el.value = value;
  }
  return unknown;
}

function updateUrl() {
  const q = formToQuery();
  history.replaceState(null, '', q ? `?${q}` : location.pathname);
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
function logScale(values, decades) {
  let hi = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > hi) hi = values[i];
  const lo = hi > 0 ? hi / 10 ** decades : 0;
  return { lo, hi };
}

/** The pixels on show: the float image, or the noise image when that view is chosen and was computed. */
function shownValues(r) {
  return form.elements.view.value === 'noise' && r.files.noisePixels ? r.files.noisePixels : r.image;
}

function drawImage(r) {
  const values = shownValues(r);
  const decades = numberField('decades') ?? 6;
  const canvas = $('image');
  canvas.width = r.width;
  canvas.height = r.height;
  const ctx = canvas.getContext('2d');
  const px = ctx.createImageData(r.width, r.height);
  const { lo, hi } = logScale(values, decades);
  const span = hi > lo && lo > 0 ? Math.log(hi / lo) : 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
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
  const w = Math.max(60, Math.round(canvas.clientWidth || 110));
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
  ctx.fillText(`max ${hi.toPrecision(3)}`, barW + 4, top);
  for (let e = Math.ceil(l0); e <= Math.floor(l1); e++) {
    const y = yOf(e);
    ctx.fillRect(barW, Math.round(y), 4, 1);
    if (y - top > 14) ctx.fillText(`1e${e}`, barW + 6, y);
  }
}

/** Mean value against |q| on a log axis, with the resolution at a few ticks. */
function drawProfile(r) {
  const bins = Math.max(8, Math.min(200, Math.round(Math.max(r.width, r.height) / 2)));
  const p = lib.radialProfile(shownValues(r), r.geometry, bins);
  hooks.profile = { qA: [...p.qA], mean: [...p.mean], count: [...p.count] };
  const canvas = $('profile');
  const dpr = window.devicePixelRatio || 1;
  const W = Math.max(200, Math.round(canvas.clientWidth || 600)), H = Math.max(100, Math.round(canvas.clientHeight || 200));
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  const fg = getComputedStyle(document.body).color;
  const L = 52, R = 8, T = 8, B = 28;
  const pos = p.mean.filter((v) => v > 0);
  ctx.fillStyle = fg;
  ctx.strokeStyle = fg;
  ctx.font = '11px system-ui, sans-serif';
  if (!pos.length) {
    ctx.fillText('no positive pixel', L, H / 2);
    return;
  }
  const yMax = Math.log10(Math.max(...pos)), yMin = Math.min(Math.log10(Math.min(...pos)), yMax - 1);
  const qMax = p.qA[p.qA.length - 1] + (p.qA[0] ?? 0);
  const X = (q) => L + (q / qMax) * (W - L - R);
  const Y = (v) => T + (1 - (Math.log10(v) - yMin) / (yMax - yMin)) * (H - T - B);
  ctx.strokeRect(L + 0.5, T + 0.5, W - L - R - 1, H - T - B - 1);
  ctx.textBaseline = 'middle';
  for (let e = Math.ceil(yMin); e <= Math.floor(yMax); e++) ctx.fillText(`1e${e}`, 4, Y(10 ** e));
  // less than a decade shown: label the ends too
  if (Math.floor(yMax) - Math.ceil(yMin) < 1) {
    ctx.fillText((10 ** yMax).toPrecision(3), 4, T + 6);
    ctx.fillText((10 ** yMin).toPrecision(3), 4, H - B - 6);
  }
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  for (let i = 1; i <= 3; i++) {
    const q = (qMax * i) / 4;
    ctx.fillRect(Math.round(X(q)), H - B - 4, 1, 4);
    ctx.fillText(`${q.toFixed(3)} Å⁻¹ (d ${(1 / q).toFixed(2)} Å)`, X(q), H - B + 4);
  }
  ctx.textAlign = 'start';
  ctx.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue('--accent') || '#2b6cb0';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let pen = false;
  for (let b = 0; b < p.qA.length; b++) {
    if (!(p.mean[b] > 0)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(X(p.qA[b]), Y(p.mean[b]));
    else ctx.moveTo(X(p.qA[b]), Y(p.mean[b]));
    pen = true;
  }
  ctx.stroke();
}

// --- hover readout --------------------------------------------------------------------------------

function readoutAt(fast, slow) {
  const r = state.last;
  if (!r || fast < 0 || slow < 0 || fast >= r.width || slow >= r.height) return null;
  const g = lib.pixelReadout(r.geometry, fast, slow);
  const values = shownValues(r);
  const value = values[slow * r.width + fast];
  const out = { ...g, value, view: values === r.image ? 'image' : 'noise' };
  hooks.readout = out;
  const d = Number.isFinite(g.dA) ? `${g.dA.toFixed(3)} Å` : '∞ (direct beam)';
  $('readout').textContent = `pixel (fast ${fast}, slow ${slow}): ${out.view === 'image' ? value.toPrecision(6) : value} ` +
    `${out.view === 'image' ? 'photons' : 'counts'}; d = ${d}, 2θ = ${g.twothetaDeg.toFixed(3)}°; ` +
    `h k l = ${g.h.toFixed(3)} ${g.k.toFixed(3)} ${g.l.toFixed(3)} (φ = ${r.geometry.phiDeg}°)`;
  return out;
}

$('image').addEventListener('mousemove', (e) => {
  const c = $('image');
  const rect = c.getBoundingClientRect();
  const x = (e.clientX - rect.left - c.clientLeft) / c.clientWidth;
  const y = (e.clientY - rect.top - c.clientTop) / c.clientHeight;
  readoutAt(Math.floor(x * c.width), Math.floor(y * c.height));
});

// --- the engine worker ----------------------------------------------------------------------------

function startWorker() {
  const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module' });
  state.worker = worker;
  state.workerReady = new Promise((ready, fail) => {
    worker.addEventListener('error', (e) => fail(new Error(`the engine worker failed: ${e.message || 'could not load'}`)), { once: true });
    worker.addEventListener('message', (e) => e.data.type === 'ready' && ready(), { once: true });
  });
  state.workerReady.catch(showError);
  worker.addEventListener('message', (e) => {
    const m = e.data;
    const cur = state.current;
    if (!cur || m.id !== cur.id) return;
    if (m.type === 'progress') $('progress').value = m.fraction;
    else if (m.type === 'result') finishRun(cur, m.result, m.startup_s);
    else if (m.type === 'error') failRun(cur, new Error(m.message));
  });
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

function setBusy(busy, live) {
  state.busy = busy;
  $('run').disabled = busy;
  $('progress-row').hidden = !busy || live;
}

/** Starts one run (live: no files but the noise image, no progress bar); resolves when it ends or is cancelled. */
function startRun({ live = false } = {}) {
  if (state.busy) return Promise.resolve();
  $('error').hidden = true;
  let config, engine;
  try {
    config = readConfig();
    engine = engineOptions();
  } catch (e) {
    failRun({ live, done: () => {} }, e);
    return Promise.resolve();
  }
  const noise = form.elements.noise.checked;
  const outputs = live ? (noise && form.elements.view.value === 'noise' ? ['noise'] : []) : ['float', 'smv', 'png', ...(noise ? ['noise'] : [])];
  setBusy(true, live);
  $('progress').value = 0;
  if (!live) $('status').textContent = `running on ${engine.backend} …`;
  const id = ++state.seq;
  return new Promise((done) => {
    state.current = { id, live, done, t0: performance.now() };
    state.workerReady.then(
      () => state.current?.id === id && state.worker.postMessage({ type: 'run', id, engine, config, outputs }),
      (e) => state.current?.id === id && failRun(state.current, e),
    );
  });
}

function finishRun(cur, r, startup_s) {
  state.current = null;
  const runId = ++state.runs;
  state.last = r;
  state.startup_s = startup_s;
  drawImage(r);
  drawProfile(r);
  showResult(r, runId, cur.live);
  if (cur.live) countLiveFrame(r);
  for (const b of document.querySelectorAll('#downloads [data-file]')) b.disabled = !r.files[b.dataset.file];
  if (hooks.readout) readoutAt(hooks.readout.fast, hooks.readout.slow);
  window.__lastResult = { ...r, runId, startup_s };
  hooks.runs = runId;
  setBusy(false);
  cur.done();
  pumpLive();
}

function failRun(cur, e) {
  state.current = null;
  $('status').textContent = 'failed';
  showError(e);
  window.__lastError = { message: String((e && e.message) || e), runId: ++state.runs };
  hooks.runs = state.runs;
  setBusy(false);
  cur.done();
  pumpLive();
}

/** Cancel: the engines have no abort, so the worker running the loop is terminated and a fresh one started. */
function cancelRun() {
  const cur = state.current;
  if (!cur) return;
  state.current = null;
  state.worker.terminate();
  startWorker();
  hooks.cancelled++;
  $('status').textContent = `cancelled after ${fmt((performance.now() - cur.t0) / 1000)} (the engine restarts on the next run)`;
  setBusy(false);
  cur.done();
  pumpLive();
}

/** The engine's own time splits (threads: prepass; WebGPU: upload, kernel, readback ...). */
function otherTimings(t) {
  return Object.entries(t)
    .filter(([k, v]) => typeof v === 'number' && !['loop_s', 'prepare_s', 'total_s'].includes(k))
    .map(([k, v]) => `${k.replace(/_s$/, '')} ${fmt(v)}`)
    .join(', ');
}

function showResult(r, runId, live) {
  $('status').innerHTML = '';
  const b = document.createElement('strong');
  b.id = 'backend';
  b.textContent = r.backend;
  $('status').append(live ? 'Live frame ' : 'Run ', String(runId), ' on ', b, ` (${r.binary}, ${r.dtype}): ${fmt(r.timings.total_s)}`);
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
    ...(r.files.noiseLines ? [['noise', r.files.noiseLines.map((l) => l.trim()).slice(1).join('; ')]] : []),
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

// --- live mode ------------------------------------------------------------------------------------

function countLiveFrame(r) {
  const live = state.live;
  if (!live) return;
  hooks.liveFrames++;
  const now = performance.now();
  live.stamps.push(now);
  while (live.stamps.length > 2 && now - live.stamps[0] > 2000) live.stamps.shift();
  const n = live.stamps.length;
  const fps = n > 1 ? ((n - 1) * 1000) / (now - live.stamps[0]) : 0;
  $('fps').textContent = `live: ${fps.toFixed(1)} frames/s on ${r.backend} (${r.binary}, ${r.dtype}), ${hooks.liveFrames} frames`;
}

/** One frame for the slider's latest position; frames do not queue up behind a slow one. */
function requestLiveFrame() {
  state.livePending = true;
  if (state.busy) return;
  state.livePending = false;
  startRun({ live: true });
}

/** After any run: the slider moved meanwhile, so render its latest position. */
function pumpLive() {
  if (state.live && state.livePending && !state.busy) requestLiveFrame();
}

function syncSlider() {
  const v = Number(form.elements[form.elements.liveParam.value].value || 0);
  $('live-slider').value = String(Math.max(-180, Math.min(180, v)));
}

$('live').addEventListener('change', () => {
  state.live = $('live').checked ? { stamps: [] } : null;
  $('fps').textContent = state.live ? 'live: move the slider' : 'live mode off';
  if (state.live) syncSlider();
});
$('live-param').addEventListener('change', syncSlider);
$('live-slider').addEventListener('input', () => {
  form.elements[form.elements.liveParam.value].value = $('live-slider').value;
  updateUrl();
  if (state.live) requestLiveFrame();
});

// --- files: uploads and downloads -----------------------------------------------------------------

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

const MAT_NONE = 'none: the orientation comes from the cell (and misset)';
$('mat').addEventListener('change', async () => {
  const file = $('mat').files[0];
  if (!file) return;
  // read as text here; its numbers are checked by the library when the run starts
  state.mat = await file.text();
  state.matName = file.name;
  $('mat-info').textContent = `${file.name}: the crystal comes from this matrix (the cell fields are not used)`;
});
$('mat-clear').addEventListener('click', () => {
  state.mat = null;
  state.matName = '';
  $('mat').value = '';
  $('mat-info').textContent = MAT_NONE;
});

const FILE_NAMES = { float: 'nanobragg-float.bin', smv: 'nanobragg.img', png: 'nanobragg.png', noise: 'nanobragg-noise.img' };
const FILE_TYPES = { png: 'image/png' };
for (const b of document.querySelectorAll('#downloads [data-file]')) {
  b.addEventListener('click', () => {
    const bytes = state.last?.files[b.dataset.file];
    if (!bytes) return;
    const url = URL.createObjectURL(new Blob([bytes], { type: FILE_TYPES[b.dataset.file] ?? 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = FILE_NAMES[b.dataset.file];
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
}

$('share').addEventListener('click', async () => {
  updateUrl();
  try {
    await navigator.clipboard.writeText(location.href);
    $('share').textContent = 'Link copied';
  } catch {
    $('share').textContent = 'Link in the address bar';
  }
});

// --- start ----------------------------------------------------------------------------------------

form.addEventListener('submit', (e) => {
  e.preventDefault();
  startRun();
});
$('cancel').addEventListener('click', cancelRun);
form.addEventListener('input', (e) => e.target.id !== 'live-slider' && updateUrl());
form.addEventListener('change', (e) => {
  if (e.target.id !== 'live-slider') updateUrl();
  // the view and the scale are redrawn from the last result, without a new run
  if (state.last && (e.target.name === 'decades' || e.target.name === 'view')) {
    drawImage(state.last);
    drawProfile(state.last);
  }
});

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

const unknown = queryToForm(location.search);
if (unknown.length) showError(`the link names fields this page does not have: ${unknown.join(', ')}`);
startWorker();
state.workerReady.then(() => {
  $('status').textContent = 'ready: set the parameters and press Simulate';
  $('run').disabled = false;
  hooks.ready = true;
  // a shared link shows its image straight away
  if (location.search.length > 1 && !unknown.length) startRun();
});
listBackends();
