import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ashaContinues, ashaRungs, type SearchPlan, type SearchTrial } from '../../../contracts/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import {
  goodCount,
  loadSearchPlan,
  mixtureLogPdf,
  parzen,
  readStudy,
  suggestParams,
  writeStudy,
} from '../../../core/search/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-search-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TRAINING = join(PROJECT_ROOT, 'configs', 'training_config.yaml');

function config(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

function plan(file: string, extra: Partial<Parameters<typeof loadSearchPlan>[1]> = {}): SearchPlan {
  return loadSearchPlan(file, {
    trainingConfig: TRAINING,
    overrides: {},
    studyFile: join(tmp, `${file.split('/').at(-1)}.study.json`),
    ...extra,
  });
}

const SPACE = [
  'search_space:',
  '  training.reward.affinity_bonus_weight: {low: 0.0, high: 1.0}',
  '  training.PPO.ent_coef: {low: 0.001, high: 0.1, log: true}',
  '  training.PPO.n_epochs: {low: 2, high: 10, type: int, step: 2}',
  '  training.PPO.clip_range: {choices: [0.1, 0.2, 0.3]}',
].join('\n');

function finished(p: SearchPlan, params: Record<string, unknown>, value: number, index: number): SearchTrial {
  return {
    trialKey: `k${index}`,
    index,
    params,
    status: 'completed',
    curve: [],
    rungs: {},
    value,
    steps: p.maxSteps,
  };
}

describe('ASHA', () => {
  it('places rungs at minSteps·η^k below the trial length', () => {
    expect(ashaRungs(128, 2, 1024)).toEqual([128, 256, 512]);
    expect(ashaRungs(4096, 3, 100_000)).toEqual([4096, 12288, 36864]);
    expect(ashaRungs(2048, 2, 2048)).toEqual([]);
  });

  it('keeps the first trial at a rung and the top ⌊n/η⌋ after that', () => {
    expect(ashaContinues([1.0], 1.0, 3)).toBe(true);
    // n = 2, η = 2: only the best of the two goes on.
    expect(ashaContinues([1.0, 0.5], 0.5, 2)).toBe(false);
    expect(ashaContinues([1.0, 2.0], 2.0, 2)).toBe(true);
    // n = 6, η = 3: the top two go on.
    const six = [6, 5, 4, 3, 2, 1];
    expect(six.filter((v) => ashaContinues(six, v, 3))).toEqual([6, 5]);
    // n = 2, η = 3: ⌊2/3⌋ = 0, still the best one goes on.
    expect(ashaContinues([1, 2], 1, 3)).toBe(false);
  });
});

describe('search config', () => {
  it('reads ranges, log scales, ints and choices, with the documented defaults', () => {
    const p = plan(config('ok.yaml', SPACE));
    expect(p.space['training.PPO.ent_coef']).toEqual({ kind: 'float', low: 0.001, high: 0.1, log: true });
    expect(p.space['training.PPO.n_epochs']).toEqual({ kind: 'int', low: 2, high: 10, step: 2, log: false });
    expect(p.space['training.PPO.clip_range']).toEqual({ kind: 'choice', values: [0.1, 0.2, 0.3] });
    expect(p.sampler).toBe('tpe');
    expect(p.trials).toBe(8);
    expect(p.pruner).toEqual({ kind: 'asha', minSteps: 4096, reductionFactor: 3 });
    expect(p.maxSteps).toBe(1024000);
    expect(plan(config('ok2.yaml', SPACE), { totalSteps: 512, trials: 3 })).toMatchObject({
      maxSteps: 512,
      trials: 3,
    });
  });

  it('the shipped configs/search.yaml is valid', () => {
    const p = plan(join(PROJECT_ROOT, 'configs', 'search.yaml'));
    expect(Object.keys(p.space).length).toBeGreaterThan(0);
  });

  it('names the file and field of a bad range, a path the training config lacks, and a range under the grid sampler', () => {
    expect(() =>
      plan(config('log0.yaml', 'search_space:\n  training.PPO.ent_coef: {low: 0, high: 1, log: true}\n')),
    ).toThrow(/log0\.yaml.*search_space.*log scale needs low > 0/);
    expect(() =>
      plan(config('typo.yaml', 'search_space:\n  training.PPO.ent_coeff: {low: 0, high: 1}\n')),
    ).toThrow(
      /training_config\.yaml: training\.PPO\.ent_coeff: .*"ent_coeff" is not a field of the training config under training\.PPO/,
    );
    expect(() => plan(config('grid.yaml', `${SPACE}\nsampler: {type: grid}\n`))).toThrow(
      /grid\.yaml: search_space\.training\.reward\.affinity_bonus_weight: the grid sampler enumerates/,
    );
    // A range the training schema rejects (n_epochs must be positive) fails before any trial.
    expect(() =>
      plan(config('neg.yaml', 'search_space:\n  training.PPO.n_epochs: {low: -2, high: 4, type: int}\n')),
    ).toThrow(/n_epochs/);
  });
});

describe('samplers', () => {
  it('random draws stay in range, snap ints to their step, and repeat for the same seed and index', () => {
    const p = { ...plan(config('r.yaml', `${SPACE}\nsampler: {type: random, seed: 5}\n`)) };
    const draws = Array.from({ length: 200 }, (_, i) => suggestParams(p, i, [])!.params);
    for (const d of draws) {
      const w = d['training.reward.affinity_bonus_weight'] as number;
      const e = d['training.PPO.ent_coef'] as number;
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(1);
      expect(e).toBeGreaterThanOrEqual(0.001);
      expect(e).toBeLessThanOrEqual(0.1);
      expect([2, 4, 6, 8, 10]).toContain(d['training.PPO.n_epochs']);
      expect([0.1, 0.2, 0.3]).toContain(d['training.PPO.clip_range']);
    }
    // Log scale: about half the draws fall below the geometric midpoint 0.01.
    const below = draws.filter((d) => (d['training.PPO.ent_coef'] as number) < 0.01).length;
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
    // Every int value is reached, the end values included.
    expect(new Set(draws.map((d) => d['training.PPO.n_epochs'])).size).toBe(5);
    expect(suggestParams(p, 17, [])).toEqual(suggestParams(p, 17, []));
    expect(suggestParams(p, 17, [])).not.toEqual(suggestParams(p, 18, []));
  });

  it('grid enumerates the product of choices in order, skips trials taken, and then says it has none left', () => {
    const p = plan(
      config(
        'g.yaml',
        'search_space:\n  training.reward.affinity_bonus_weight: {choices: [0.1, 0.3]}\n  training.PPO.ent_coef: {choices: [0.0, 0.01]}\nsampler: {type: grid}\n',
      ),
    );
    const history: SearchTrial[] = [];
    for (let i = 0; ; i++) {
      const s = suggestParams(p, i, history);
      if (!s) break;
      history.push({ ...s, index: i, status: 'running', curve: [], rungs: {} });
    }
    expect(history.map((t) => Object.values(t.params))).toEqual([
      [0.1, 0.0],
      [0.1, 0.01],
      [0.3, 0.0],
      [0.3, 0.01],
    ]);
  });

  it('TPE concentrates on the region of the best trials once it has its startup trials', () => {
    const p = plan(
      config(
        't.yaml',
        'search_space:\n  training.reward.affinity_bonus_weight: {low: 0.0, high: 1.0}\nsampler: {type: tpe, n_startup_trials: 5, seed: 1}\n',
      ),
    );
    // Reward peaks at weight 0.8.
    const f = (w: number) => -((w - 0.8) ** 2);
    const history: SearchTrial[] = [];
    for (let i = 0; i < 40; i++) {
      const s = suggestParams(p, i, history)!;
      history.push(finished(p, s.params, f(s.params['training.reward.affinity_bonus_weight'] as number), i));
    }
    const w = (t: SearchTrial) => t.params['training.reward.affinity_bonus_weight'] as number;
    const lateNear = history.slice(20).filter((t) => Math.abs(w(t) - 0.8) < 0.15).length;
    // Uniform sampling would put about 30 % of them there.
    expect(lateNear / 20).toBeGreaterThan(0.6);
    // Same history, same suggestion (a replayed workflow asks again).
    expect(suggestParams(p, 40, history)).toEqual(suggestParams(p, 40, history));
  });

  it('TPE on choices prefers the category of the good trials', () => {
    const p = plan(
      config(
        'c.yaml',
        'search_space:\n  training.PPO.clip_range: {choices: [0.1, 0.2, 0.3]}\nsampler: {type: tpe, n_startup_trials: 2, seed: 3}\n',
      ),
    );
    const history: SearchTrial[] = [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.2].map((c, i) =>
      finished(p, { 'training.PPO.clip_range': c }, c === 0.2 ? 1 : 0, i),
    );
    // Trial keys are per index here, so repeats are allowed: count what TPE picks.
    const picks = Array.from({ length: 30 }, (_, i) => suggestParams(p, 100 + i, history));
    const twos = picks.filter((s) => s?.params['training.PPO.clip_range'] === 0.2).length;
    expect(twos).toBeGreaterThan(20);
  });

  it('γ(n) and the Parzen density: a point with all the mass nearby is denser than one far away', () => {
    expect([1, 10, 11, 300].map(goodCount)).toEqual([1, 1, 2, 25]);
    const m = parzen([0.8, 0.82], 0, 1);
    expect(mixtureLogPdf(m, 0.81)).toBeGreaterThan(mixtureLogPdf(m, 0.1));
    // A normalised density: its integral over the range is 1.
    let integral = 0;
    for (let i = 0; i < 10_000; i++) integral += Math.exp(mixtureLogPdf(m, (i + 0.5) / 10_000)) / 10_000;
    expect(integral).toBeCloseTo(1, 3);
  });
});

describe('study file', () => {
  it('round-trips trials and refuses a study made under another search space', () => {
    const p = plan(config('s.yaml', SPACE));
    expect(readStudy(p)).toEqual([]);
    const t = finished(p, { 'training.PPO.clip_range': 0.2 }, 1.5, 0);
    writeStudy(p, [t]);
    expect(readStudy(p)).toEqual([t]);
    const other = plan(config('s2.yaml', SPACE.replace('high: 1.0', 'high: 0.9')), {
      studyFile: p.studyFile,
    } as never);
    expect(() => readStudy({ ...other, studyFile: p.studyFile })).toThrow(
      /another search space.*new study name/,
    );
  });
});
