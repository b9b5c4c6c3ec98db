/**
 * The training-curve figure of a run: episode reward (each episode and the 100-episode mean), PPO losses,
 * entropy and explained variance, all against env steps, as one Vega-Lite spec rendered to PNG by core/plot.
 */
import { renderVegaLitePng, type VegaLiteSpec } from '../../plot/index.js';
import type { EpisodeRecord, UpdateRecord } from '../../rl/index.js';

type Row = { steps: number; series: string; value: number };

function panel(title: string, rows: Row[], yTitle: string): Record<string, unknown> {
  return {
    title,
    width: 640,
    height: 160,
    data: { values: rows },
    mark: { type: 'line', point: rows.length < 40 },
    encoding: {
      x: { field: 'steps', type: 'quantitative', title: 'env steps' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

export function trainingCurveSpec(
  episodes: readonly EpisodeRecord[],
  updates: readonly UpdateRecord[],
  title: string,
): VegaLiteSpec {
  const finite = (r: Row) => Number.isFinite(r.value);
  const reward: Row[] = episodes.flatMap((e) => [
    { steps: e.steps, series: 'episode reward', value: e.reward },
    { steps: e.steps, series: 'mean of last 100', value: e.meanReward100 },
  ]);
  const policyLoss: Row[] = updates.map((u) => ({
    steps: u.steps,
    series: 'policy loss',
    value: u.policyLoss,
  }));
  const valueLoss: Row[] = updates.map((u) => ({ steps: u.steps, series: 'value loss', value: u.valueLoss }));
  const entropy: Row[] = updates.map((u) => ({ steps: u.steps, series: 'entropy', value: -u.entropyLoss }));
  const ev: Row[] = updates.map((u) => ({
    steps: u.steps,
    series: 'explained variance',
    value: u.explainedVariance,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    vconcat: [
      panel('Episode reward (raw)', reward.filter(finite), 'reward'),
      panel('Policy (clipped surrogate) loss', policyLoss.filter(finite), 'loss'),
      panel('Value loss', valueLoss.filter(finite), 'loss'),
      panel('Policy entropy', entropy.filter(finite), 'nats'),
      panel('Explained variance of the value function', ev.filter(finite), 'explained variance'),
    ],
    resolve: { scale: { color: 'independent' } },
  } as unknown as VegaLiteSpec;
}

export async function renderTrainingCurve(
  episodes: readonly EpisodeRecord[],
  updates: readonly UpdateRecord[],
  title: string,
  outPath: string,
): Promise<void> {
  await renderVegaLitePng(trainingCurveSpec(episodes, updates, title), outPath);
}
