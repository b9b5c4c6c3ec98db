/**
 * The benchmark's three timeline figures (spec §5.5): per agent, the workload pattern active at each decision as
 * a step line, with the policy's splits, merges or transfers marked as dashed vertical lines, one figure per kind.
 * They show at a glance whether a policy reacts to load changes and how often. A trace replayed from a CSV has no
 * patterns, so its figures show each agent's arrival rate per decision interval instead.
 */
import { join } from 'node:path';
import { PATTERN_ORDER } from '../config/index.js';
import { renderVegaLitePng, type VegaLiteSpec } from '../plot/index.js';
import { activePattern, type BenchTrace } from '../workload/index.js';
import type { PreparedBench, TrialResult } from './runner.js';

export type EventKind = 'split' | 'merge' | 'transfer';
export const EVENT_KINDS: readonly EventKind[] = ['split', 'merge', 'transfer'];

/** matplotlib's tab10, the reference's agent colours in enum order. */
const AGENT_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];
const EVENT_STYLE: Readonly<Record<EventKind, { label: string; colour: string }>> = {
  split: { label: 'Split', colour: 'red' },
  merge: { label: 'Merge', colour: 'blueviolet' },
  transfer: { label: 'Transfer', colour: 'forestgreen' },
};

export interface TimelineSeries {
  readonly yTitle: string;
  /** Category names for integer y values (patterns); absent for a numeric axis. */
  readonly yLabels?: readonly string[];
  /** Per agent (enum order): y at each tick. */
  readonly values: readonly { readonly agent: string; readonly y: readonly number[] }[];
}

/** Pattern index (idle 0 … burst 3) per agent at each tick; for CSV traces, arrivals per second in the interval from each tick. */
export function timelineSeries(
  trace: BenchTrace,
  tickTimesS: readonly number[],
  intervalS: number,
): TimelineSeries {
  const hasPhases = trace.agents.some((a) => a.phases.length > 0);
  if (hasPhases) {
    return {
      yTitle: 'Workload Pattern',
      yLabels: PATTERN_ORDER,
      values: trace.agents.map((a) => ({
        agent: a.agent,
        y: tickTimesS.map((t) => PATTERN_ORDER.indexOf(activePattern(a.phases, t) ?? 'idle')),
      })),
    };
  }
  return {
    yTitle: 'Arrival rate (req/s)',
    values: trace.agents.map((a) => {
      const times = a.arrivals.map((r) => r.arrivalTimeS).sort((x, y) => x - y);
      let i = 0;
      return {
        agent: a.agent,
        // The rate over the interval that starts at the tick, so the step drawn from t covers the arrivals it counts.
        y: tickTimesS.map((t) => {
          while (i < times.length && times[i]! < t) i++;
          let j = i;
          while (j < times.length && times[j]! < t + intervalS) j++;
          return (j - i) / intervalS;
        }),
      };
    }),
  };
}

/** Decision times of the logged actions of one kind; transfers are every action that names a receiver. */
export function eventTimesS(trial: TrialResult, kind: EventKind): number[] {
  return trial.actionLog
    .filter((e) => (kind === 'transfer' ? e.receiver !== undefined : e.kind === kind))
    .map((e) => e.timeS);
}

export function timelineSpec(
  kind: EventKind,
  runName: string,
  series: TimelineSeries,
  tickTimesS: readonly number[],
  eventsS: readonly number[],
): VegaLiteSpec {
  const style = EVENT_STYLE[kind];
  const agents = series.values.map((v) => v.agent);
  const rows = series.values.flatMap((v) => v.y.map((y, i) => ({ t: tickTimesS[i], y, agent: v.agent })));
  const domain = eventsS.length > 0 ? [...agents, style.label] : agents;
  const range = [...agents.map((_, i) => AGENT_COLOURS[i % AGENT_COLOURS.length]!), style.colour];
  const color = { scale: { domain, range }, legend: { title: null, orient: 'right' } };
  const labels = series.yLabels;
  const yAxis = labels
    ? {
        title: series.yTitle,
        values: labels.map((_, i) => i),
        labelExpr: `[${labels.map((l) => `'${l}'`).join(',')}][datum.value]`,
        grid: true,
      }
    : { title: series.yTitle, grid: true };
  const yScale = labels ? { domain: [-0.2, labels.length - 0.8] } : { zero: true };
  const xMax = Math.max(tickTimesS[tickTimesS.length - 1] ?? 0, ...eventsS);
  const x = {
    field: 't',
    type: 'quantitative',
    title: 'Simulation Time (sec)',
    scale: { domain: [0, xMax], nice: false },
  };
  const layers: object[] = [
    {
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 3, opacity: 0.8 },
      encoding: {
        x,
        y: { field: 'y', type: 'quantitative', axis: yAxis, scale: yScale },
        color: { field: 'agent', type: 'nominal', ...color },
      },
    },
  ];
  if (eventsS.length > 0) {
    layers.push({
      data: { values: eventsS.map((t) => ({ t, event: style.label })) },
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2, opacity: 0.9 },
      encoding: { x, color: { field: 'event', type: 'nominal', ...color } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `${series.yLabels ? 'Workload Pattern' : 'Arrival Rate'} Timeline (${style.label}) - ${runName}`,
      fontWeight: 'bold',
      fontSize: 16,
    },
    width: 1200,
    height: 380,
    config: { view: { stroke: '#cccccc' }, axis: { gridColor: '#e5e5e5' } },
    layer: layers,
  } as unknown as VegaLiteSpec;
}

/** Writes figs/<run_name>/{split,merge,transfer}.png under `outDir`; returns their paths. */
export async function writeTrialFigures(
  outDir: string,
  prepared: PreparedBench,
  trial: TrialResult,
): Promise<string[]> {
  const dir = join(outDir, 'figs', trial.runName);
  const series = timelineSeries(prepared.trace, trial.tickTimesS, prepared.setup.training.actionIntervalS);
  const out: string[] = [];
  for (const kind of EVENT_KINDS) {
    const file = join(dir, `${kind}.png`);
    await renderVegaLitePng(
      timelineSpec(kind, trial.runName, series, trial.tickTimesS, eventTimesS(trial, kind)),
      file,
    );
    out.push(file);
  }
  return out;
}
