/**
 * The fit figures of the reference as Vega-Lite specs: the measured points, the fitted line over min(x)..max(x)
 * and its ±1σ band, with the reference's titles, axis labels and legend texts (without the LaTeX markup).
 * Prefill is in seconds over prompt tokens; TPOT in milliseconds over N, with the per-N means marked.
 */
import { renderVegaLitePng, type VegaLiteSpec } from '../plot/index.js';
import type { LinearFit } from './linear-fit.js';

const BLUE = '#1f4fd8';
const RED = '#d62728';
const LINE_POINTS = 100;

/** Python's `{v:.2e}` (two-digit exponent, e.g. 2.20e-04). */
export function formatExp2(v: number): string {
  const [m, e] = v.toExponential(2).split('e') as [string, string];
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

function lineRows(fit: LinearFit, xs: readonly number[], scale: number) {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return Array.from({ length: LINE_POINTS }, (_, i) => {
    const x = lo + ((hi - lo) * i) / (LINE_POINTS - 1);
    const y = (fit.beta * x + fit.alpha) * scale;
    return { x, y, lo: y - fit.sigma * scale, hi: y + fit.sigma * scale };
  });
}

interface FitFigure {
  title: string;
  xTitle: string;
  yTitle: string;
  points: { x: number; y: number }[];
  pointsLabel: string;
  pointOpacity: number;
  means?: { x: number; y: number }[];
  meansLabel?: string;
  line: ReturnType<typeof lineRows>;
  fitLabel: string;
  bandLabel: string;
  widthPx: number;
  heightPx: number;
  /** Whole-number ticks (concurrency levels). */
  integerX?: boolean;
}

function fitSpec(f: FitFigure): VegaLiteSpec {
  const labels = [f.pointsLabel, ...(f.meansLabel ? [f.meansLabel] : []), f.fitLabel, f.bandLabel];
  const colors = [BLUE, ...(f.meansLabel ? ['black'] : []), RED, RED];
  const color = {
    datum: '',
    scale: { domain: labels, range: colors },
    legend: { title: null, orient: 'top-left', labelLimit: 400, fillColor: 'white', padding: 6 },
  };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: f.xTitle,
    scale: { zero: false },
    ...(f.integerX ? { axis: { format: 'd', tickMinStep: 1 } } : {}),
  };
  const grid = { gridDash: [4, 4], gridOpacity: 0.7 };
  const layer: unknown[] = [
    {
      data: { values: f.line },
      mark: { type: 'area', opacity: 0.15 },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative' },
        y2: { field: 'hi' },
        color: { ...color, datum: f.bandLabel },
      },
    },
    {
      data: { values: f.points },
      mark: { type: 'circle', opacity: f.pointOpacity, size: 30 },
      encoding: {
        x,
        y: { field: 'y', type: 'quantitative', title: f.yTitle, scale: { zero: false } },
        color: { ...color, datum: f.pointsLabel },
      },
    },
    ...(f.means
      ? [
          {
            data: { values: f.means },
            mark: { type: 'point', shape: 'cross', angle: 45, size: 120, filled: true },
            encoding: {
              x,
              y: { field: 'y', type: 'quantitative' },
              color: { ...color, datum: f.meansLabel },
            },
          },
        ]
      : []),
    {
      data: { values: f.line },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y: { field: 'y', type: 'quantitative' }, color: { ...color, datum: f.fitLabel } },
    },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: f.title, fontSize: 15 },
    width: f.widthPx / 2,
    height: f.heightPx / 2,
    config: { axis: grid, view: { stroke: '#888' } },
    layer,
  } as unknown as VegaLiteSpec;
}

/** The prefill figure: TTFT (s) over prompt tokens with the fit α + β·x and ±1σ. */
export function prefillFitSpec(x: readonly number[], y: readonly number[], fit: LinearFit): VegaLiteSpec {
  return fitSpec({
    title: 'vLLM Prefill Time Profiling: y = α + β·x + ε',
    xTitle: 'Prompt Tokens (x)',
    yTitle: 'Prefill Time (y) [seconds]',
    points: x.map((xi, i) => ({ x: xi, y: y[i]! })),
    pointsLabel: 'Actual Benchmark Data',
    pointOpacity: 0.5,
    line: lineRows(fit, x, 1),
    fitLabel: `Fit: y = ${formatExp2(fit.beta)}x + ${fit.alpha.toFixed(4)}`,
    bandLabel: `Noise Margin (±1σ: ${fit.sigma.toFixed(4)}s)`,
    // The reference's 10×6 in at 150 dpi.
    widthPx: 1500,
    heightPx: 900,
  });
}

/** The TPOT figure: per-request mean ITL (ms) over N, the mean per N, and the fit α + β·N with ±1σ. */
export function tpotFitSpec(n: readonly number[], itlS: readonly number[], fit: LinearFit): VegaLiteSpec {
  const byN = new Map<number, number[]>();
  n.forEach((ni, i) => {
    const list = byN.get(ni) ?? [];
    list.push(itlS[i]!);
    byN.set(ni, list);
  });
  const means = [...byN.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([x, ys]) => ({ x, y: (ys.reduce((s, v) => s + v, 0) / ys.length) * 1000 }));
  return fitSpec({
    title: 'vLLM Decoding Profiling: y = α + β·N + ε (Request-Level Analysis)',
    xTitle: 'Concurrent Requests (N)',
    yTitle: 'Mean Inter-Token Latency per Request (ms)',
    points: n.map((x, i) => ({ x, y: itlS[i]! * 1000 })),
    pointsLabel: 'Request Mean ITL Samples',
    pointOpacity: 0.15,
    means,
    meansLabel: 'Global Mean per N',
    line: lineRows(fit, n, 1000),
    fitLabel: `Fit: y = ${(fit.beta * 1000).toFixed(4)}N + ${(fit.alpha * 1000).toFixed(2)}ms`,
    bandLabel: `Noise Margin (±1σ: ${(fit.sigma * 1000).toFixed(2)}ms)`,
    integerX: true,
    // The reference's 12×7 in at 150 dpi.
    widthPx: 1800,
    heightPx: 1050,
  });
}

export async function writeFitPlot(spec: VegaLiteSpec, outPath: string): Promise<void> {
  await renderVegaLitePng(spec, outPath);
}
