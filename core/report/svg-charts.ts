/**
 * Inline SVG charts for the run report and the deploy dashboard: a line chart (learning curves, time series) and a
 * horizontal bar chart (one bar per policy). Plain strings with no script, so a page that embeds them needs no other
 * file and no network; the values are also in the page's tables. Written by hand because the charting libraries
 * that render offline without a browser (vega, chart.js + canvas) bring native builds or a large runtime for what
 * is here 150 lines.
 */

export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
];

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Short numbers for axis ticks and bar labels. */
export function tickLabel(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e4) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(a >= 10 ? 1 : 2);
  return v.toPrecision(2);
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Drawn thicker (the best trial). */
  highlight?: boolean;
  /** A step line (a value that holds until the next point), e.g. a queue length or a layout. */
  step?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Vertical markers (x, label), e.g. reconfigurations. */
  markers?: readonly { x: number; label: string }[];
}

export function lineChart(series: readonly LineSeries[], o: LineChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 300;
  const m = { l: 64, r: 16, t: 28, b: 42 };
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const title = `<text x="${W / 2}" y="18" text-anchor="middle" class="ct">${escapeHtml(o.title)}</text>`;
  if (pts.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}">${title}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="cl">no data yet</text></svg>`;
  }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.max(1, Math.abs(y0) * 0.1), y1 + Math.max(1, Math.abs(y1) * 0.1)];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [title];
  for (const t of niceTicks(y0, y1)) {
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" class="grid"/>`,
      `<text x="${m.l - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" class="cl">${tickLabel(t)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(
      `<text x="${X(t).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle" class="cl">${tickLabel(t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" class="axis"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" class="axis"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle" class="cl">${escapeHtml(o.xLabel)}</text>`,
    `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" class="cl">${escapeHtml(o.yLabel)}</text>`,
  );
  for (const mk of o.markers ?? []) {
    if (mk.x < x0 || mk.x > x1) continue;
    parts.push(
      `<line x1="${X(mk.x).toFixed(1)}" x2="${X(mk.x).toFixed(1)}" y1="${m.t}" y2="${H - m.b}" class="marker"><title>${escapeHtml(mk.label)}</title></line>`,
    );
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const ps = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (ps.length === 0) return;
    let d = '';
    ps.forEach(([x, y], k) => {
      if (k === 0) d += `M${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
      else if (s.step) d += `H${X(x).toFixed(1)}V${Y(y).toFixed(1)}`;
      else d += `L${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
    });
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.highlight ? 3 : 1.5}"><title>${escapeHtml(s.name)}</title></path>`,
    );
    if (ps.length === 1) {
      const [x, y] = ps[0]!;
      parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
  });
  const legend = series
    .map(
      (s, i) =>
        `<span class="lg"><i style="background:${PALETTE[i % PALETTE.length]}"></i>${escapeHtml(s.name)}${s.highlight ? ' ★' : ''}</span>`,
    )
    .join('');
  return `<figure class="chartbox"><svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg><figcaption>${legend}</figcaption></figure>`;
}

export interface Bar {
  label: string;
  value: number;
  highlight?: boolean;
}

/**
 * One horizontal bar per label. `log` draws values spanning orders of magnitude (TTFT of 0.5 s beside 900 s) on a
 * log axis; values ≤ 0 then get no bar, only their number.
 */
export function barChart(
  bars: readonly Bar[],
  o: { title: string; unit: string; log?: boolean; symlog?: boolean; width?: number },
): string {
  if (o.symlog) {
    // Rewards span −15 000 to +45: sign(v)·log10(1 + |v|) keeps both ends readable; labels keep the true value.
    const f = (v: number) => Math.sign(v) * Math.log10(1 + Math.abs(v));
    return linearBars(bars, { ...o, title: `${o.title} (signed log scale)` }, f);
  }
  return linearBars(bars, o, (v) => v);
}

function linearBars(
  bars: readonly Bar[],
  o: { title: string; unit: string; log?: boolean; width?: number },
  f: (v: number) => number,
): string {
  const W = o.width ?? 580;
  const rowH = 22;
  const m = { l: 240, r: 80, t: 28, b: 8 };
  const H = m.t + m.b + rowH * Math.max(1, bars.length);
  const finite = bars.filter((b) => Number.isFinite(b.value));
  const useLog = o.log === true && finite.some((b) => b.value > 0);
  const positives = finite.filter((b) => b.value > 0).map((b) => b.value);
  const lo = useLog
    ? Math.log10(Math.min(...positives)) - 0.3
    : Math.min(0, ...finite.map((b) => f(b.value)));
  const hi = useLog ? Math.log10(Math.max(...positives)) : Math.max(0, ...finite.map((b) => f(b.value)));
  const span = hi - lo || 1;
  const X = (v: number) => m.l + ((v - lo) / span) * (W - m.l - m.r);
  const zero = useLog ? m.l : X(0);
  const parts = [
    `<text x="${W / 2}" y="18" text-anchor="middle" class="ct">${escapeHtml(o.title)}${useLog ? ' (log scale)' : ''}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = m.t + i * rowH;
    parts.push(
      `<text x="${m.l - 6}" y="${y + 15}" text-anchor="end" class="cl">${escapeHtml(b.label.length > 38 ? `${b.label.slice(0, 37)}…` : b.label)}</text>`,
    );
    if (Number.isFinite(b.value) && (!useLog || b.value > 0)) {
      const end = useLog ? X(Math.log10(b.value)) : X(f(b.value));
      const x = Math.min(zero, end);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.max(1, Math.abs(end - zero)).toFixed(1)}" height="${rowH - 6}" fill="${b.highlight ? PALETTE[1] : PALETTE[0]}"><title>${escapeHtml(`${b.label}: ${b.value} ${o.unit}`)}</title></rect>`,
      );
    }
    parts.push(
      `<text x="${W - m.r + 4}" y="${y + 15}" class="cl">${Number.isFinite(b.value) ? tickLabel(b.value) : 'n/a'} ${escapeHtml(o.unit)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart bar" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`;
}
