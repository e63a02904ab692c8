// A small hand-written SVG line chart (log-log): time against image size, one line per backend/series.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round numbers (1, 2, 5 x 10^k) covering [lo, hi] on a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

function fmt(v: number): string {
  if (v >= 1000 || v < 0.01) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 760;
  const H = o.height ?? Math.max(420, 70 + series.length * 18); // room for the legend
  const legendW = 260;
  const m = { l: 70, r: legendW + 20, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const pts = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - legendW / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`,
  ];
  if (!pts.length) {
    parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle">no measurements</text>`, '</svg>');
    return parts.join('\n') + '\n';
  }
  let [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  let [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  // margins in log space so end points do not sit on the frame
  [x0, x1] = x0 === x1 ? [x0 / 2, x1 * 2] : [x0 / (x1 / x0) ** 0.08, x1 * (x1 / x0) ** 0.08];
  [y0, y1] = [y0 / 1.5, y1 * 1.5];
  const lx = (x: number) => m.l + ((Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * pw;
  const ly = (y: number) => m.t + ph - ((Math.log(y) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * ph;

  parts.push(`<g stroke="#ddd">`);
  const yt = logTicks(y0, y1);
  for (const v of yt) parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${ly(v).toFixed(1)}" y2="${ly(v).toFixed(1)}"/>`);
  const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
  for (const v of xs) parts.push(`<line x1="${lx(v).toFixed(1)}" x2="${lx(v).toFixed(1)}" y1="${m.t}" y2="${m.t + ph}"/>`);
  parts.push('</g>');
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  for (const v of yt) parts.push(`<text x="${m.l - 6}" y="${(ly(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  for (const v of xs) parts.push(`<text x="${lx(v).toFixed(1)}" y="${m.t + ph + 18}" text-anchor="middle">${fmt(v)}</text>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);

  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const dash = DASHES[Math.floor(i / PALETTE.length) % DASHES.length];
    const p = s.points.filter((q) => q.x > 0 && q.y > 0).sort((a, b) => a.x - b.x);
    const d = p.map((q) => `${lx(q.x).toFixed(1)},${ly(q.y).toFixed(1)}`).join(' ');
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    if (p.length > 1) parts.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dashAttr}/>`);
    for (const q of p) parts.push(`<circle cx="${lx(q.x).toFixed(1)}" cy="${ly(q.y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly0 = m.t + 10 + i * 18;
    const lx0 = W - legendW;
    parts.push(`<line x1="${lx0}" x2="${lx0 + 24}" y1="${ly0}" y2="${ly0}" stroke="${color}" stroke-width="2"${dashAttr}/>`);
    parts.push(`<text x="${lx0 + 30}" y="${ly0 + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
