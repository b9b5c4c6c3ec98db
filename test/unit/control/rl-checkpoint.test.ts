import { describe, expect, it } from 'vitest';
import { type BenchSetup, runBench } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { checkpointRunName, heuristic, rlCheckpointPolicy } from '../../../core/control/index.js';
import { observationLayout } from '../../../core/control/observation-layout.js';
import { ConfigError } from '../../../core/errors.js';
import { actionCount } from '../../../core/mig/actions.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { writeLinearCheckpoint } from '../bench/checkpoint-fixture.js';
import { sim2, training } from '../rl/setup.js';

const setup: BenchSetup = {
  simulation: sim2,
  training,
  bench: loadBenchConfig('configs/bench_config.yaml'),
  tokens: syntheticTokenTables(7, 300),
  steps: 12,
};
const obsSize = observationLayout(2, training.arrivalRateHistoryLength).length;
const actions = actionCount(2);
// Prefers the lowest-index allowed reconfiguration; NO_ACTION only when nothing else is allowed.
const eager = Array.from({ length: actions }, (_, a) => (a === 0 ? -1000 : -a));

describe('RL checkpoint policy', () => {
  it('takes the masked argmax, deterministically, and the same whatever else runs', () => {
    const ckpt = writeLinearCheckpoint({ obsSize, actionCount: actions, bias: eager });
    const a = runBench(setup, [rlCheckpointPolicy(ckpt), heuristic]).trials;
    const b = runBench(setup, [heuristic, rlCheckpointPolicy(ckpt)]).trials;
    expect(a[0]!.runName).toBe('run1-rl_model_5120_steps');
    expect(a[0]!.actionLog.length).toBeGreaterThan(0);
    expect(JSON.stringify(b[1])).toBe(JSON.stringify(a[0]));
  });

  it('checkpoints with the same weights give the same numbers: every RL trial starts from one layout and noise stream', () => {
    const a = writeLinearCheckpoint({
      obsSize,
      actionCount: actions,
      bias: eager,
      name: 'rl_model_5120_steps',
    });
    const b = writeLinearCheckpoint({ obsSize, actionCount: actions, bias: eager, name: 'final' });
    const [ta, tb] = runBench(setup, [rlCheckpointPolicy(a), rlCheckpointPolicy(b)]).trials;
    expect(tb!.runName).not.toBe(ta!.runName);
    expect(tb!.trialSeed).toBe(ta!.trialSeed);
    expect(JSON.stringify(tb!.agents)).toBe(JSON.stringify(ta!.agents));
    expect(tb!.initialState).toEqual(ta!.initialState);
  });

  it('a checkpoint that prefers NO_ACTION never reconfigures', () => {
    const ckpt = writeLinearCheckpoint({
      obsSize,
      actionCount: actions,
      bias: eager.map((_, i) => (i === 0 ? 1 : 0)),
      name: 'final',
    });
    const [t] = runBench(setup, [rlCheckpointPolicy(ckpt)]).trials;
    expect(t!.actionLog).toEqual([]);
    expect(checkpointRunName(ckpt)).toBe('run1-final');
  });

  it('a checkpoint trained on another observation size fails with the file, the sizes and the fix', () => {
    const ckpt = writeLinearCheckpoint({ obsSize: obsSize + 7, actionCount: actions, bias: eager });
    let err: unknown;
    try {
      runBench(setup, [rlCheckpointPolicy(ckpt)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(ckpt);
    expect((err as ConfigError).message).toContain(`was trained on ${obsSize + 7} observations`);
    expect((err as ConfigError).message).toContain(`gives ${obsSize} and ${actions}`);
    expect((err as ConfigError).fix).toContain('simulation config it was trained on');
  });

  it('a directory that is not a checkpoint fails before any trial runs', () => {
    expect(() => rlCheckpointPolicy('/nonexistent/rl_model_1_steps')).toThrow(
      /not a migflow checkpoint directory/,
    );
  });
});
