/**
 * The samplers behind `suggestTrial`: random, TPE (random for the first n_startup_trials finished trials) and the
 * grid (the Cartesian product of the choices, in order — the grid search as one sampler of the search). A
 * suggestion depends only on the plan, the trial index and the trials given, so a replayed or resumed search
 * asks for, and gets, the same values.
 */
import type { SearchPlan, SearchTrial } from '../../contracts/index.js';
import { trialId } from '../config/index.js';
import { sampleUniform, trialDraw } from './random.js';
import { goodCount, tpeSuggest } from './tpe.js';

/** Finished trials with a value, best first: more env steps reached ranks first (a pruned trial below a finished one), then value. */
export function rankedTrials(history: readonly SearchTrial[], maxSteps: number): SearchTrial[] {
  const done = history.filter(
    (t) => (t.status === 'completed' || t.status === 'pruned') && typeof t.value === 'number',
  );
  const reached = (t: SearchTrial) => (t.status === 'completed' ? maxSteps : (t.steps ?? 0));
  return done.sort((a, b) => reached(b) - reached(a) || (b.value as number) - (a.value as number));
}

function gridCombination(plan: SearchPlan, n: number): Record<string, unknown> | null {
  const dims = Object.entries(plan.space) as [string, { kind: 'choice'; values: unknown[] }][];
  const total = dims.reduce((p, [, d]) => p * d.values.length, 1);
  if (n >= total) return null;
  const params: Record<string, unknown> = {};
  // Last dimension varies fastest, as the grid search expands.
  for (let i = dims.length - 1; i >= 0; i--) {
    const [path, d] = dims[i]!;
    params[path] = d.values[n % d.values.length];
    n = Math.floor(n / d.values.length);
  }
  return Object.fromEntries(dims.map(([path]) => [path, params[path]]));
}

function sampleOnce(plan: SearchPlan, index: number, history: readonly SearchTrial[], salt: string) {
  const draw = trialDraw(plan.samplerSeed, index, salt);
  const ranked = rankedTrials(history, plan.maxSteps);
  const modelled = plan.sampler === 'tpe' && ranked.length >= Math.max(plan.nStartupTrials, 2);
  const nGood = goodCount(ranked.length);
  const params: Record<string, unknown> = {};
  for (const [path, d] of Object.entries(plan.space)) {
    params[path] = modelled
      ? tpeSuggest(
          d,
          ranked.slice(0, nGood).map((t) => t.params[path]),
          ranked.slice(nGood).map((t) => t.params[path]),
          draw,
        )
      : sampleUniform(d, draw);
  }
  return params;
}

/** The next trial's values, or null when the sampler has no new ones left. */
export function suggestParams(
  plan: SearchPlan,
  index: number,
  history: readonly SearchTrial[],
): { trialKey: string; params: Record<string, unknown> } | null {
  const taken = new Set(history.map((t) => t.trialKey));
  if (plan.sampler === 'grid') {
    for (let n = 0; ; n++) {
      const params = gridCombination(plan, n);
      if (!params) return null;
      const trialKey = trialId(params);
      if (!taken.has(trialKey)) return { trialKey, params };
    }
  }
  // A repeat of an earlier trial's values would be a cache hit that wastes a slot: draw again, a few times.
  for (let attempt = 0; attempt < 50; attempt++) {
    const params = sampleOnce(plan, index, history, attempt === 0 ? '' : `retry-${attempt}`);
    const trialKey = trialId(params);
    if (!taken.has(trialKey)) return { trialKey, params };
  }
  return null;
}
