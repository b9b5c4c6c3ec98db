import { describe, expect, it } from 'vitest';
import {
  type BenchSetup,
  comparisonEntry,
  comparisonTable,
  prepareBench,
  runTrial,
  trialJson,
  trialText,
} from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { heuristic, staticSplitExtreme } from '../../../core/control/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { trainingEpisodeReward } from '../../helpers/training-episode.js';
import { sim2, training } from '../rl/setup.js';

const setup: BenchSetup = {
  simulation: sim2,
  training,
  bench: loadBenchConfig('configs/bench_config.yaml'),
  tokens: syntheticTokenTables(7, 300),
  steps: 40,
};

describe('the bench reports the training reward', () => {
  it.each([
    ['heuristic', heuristic],
    ['static_split_extreme', staticSplitExtreme],
  ])('%s: the trial’s reward is the training env’s episode reward on the same trace', (_name, factory) => {
    const trial = runTrial(prepareBench(setup), factory);
    expect(trial.reward.decisions).toBe(40);
    expect(trial.reward.total).toBe(trainingEpisodeReward(prepareBench(setup), factory()));
    const r = trial.reward;
    expect(r.ttft).toBeLessThan(0);
    expect(r.quality).toBeGreaterThan(0);
    expect(r.ttft + r.tpot + r.action + r.quality + r.affinity + r.clip).toBeCloseTo(r.total, 6);
  });

  it('the heuristic pays the action penalty for the actions it logs; static layouts pay none', () => {
    const heur = runTrial(prepareBench(setup), heuristic);
    const actions = heur.actionLog.length;
    expect(actions).toBeGreaterThan(0);
    expect(heur.reward.action).toBeCloseTo(
      -actions * training.reward.actionPenalty * training.reward.scaling,
      9,
    );
    expect(runTrial(prepareBench(setup), staticSplitExtreme).reward.action).toBe(0);
  });
});

describe('the reward in the result files', () => {
  it('results_*.txt has the reward table, .json the unrounded terms, the comparison a Reward column', () => {
    const prepared = prepareBench(setup);
    const trial = runTrial(prepared, heuristic);
    const text = trialText(prepared, trial);
    expect(text).toContain('● Training Reward (sum over 40 decisions;');
    expect(text).toMatch(new RegExp(`Episode reward\\s*│\\s*${trial.reward.total.toFixed(3)}`));
    expect((trialJson(prepared, trial) as { reward: unknown }).reward).toEqual(trial.reward);
    const entry = comparisonEntry(trial);
    expect(entry.reward?.total).toBe(trial.reward.total);
    const table = comparisonTable([entry, { ...entry, policy: 'old', reward: undefined }]);
    expect(table.split('\n')[1]).toMatch(/Policy\s*│\s*Reward\s*│\s*Agent/);
    expect(table).toContain(trial.reward.total.toFixed(1));
    expect(table).toMatch(/old\s*│\s*—/);
  });
});
