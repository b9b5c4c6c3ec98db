import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestCheckpoints, resolveTrials } from '../../../core/bench/trials.js';
import { observationLayout } from '../../../core/control/observation-layout.js';
import { actionCount } from '../../../core/mig/actions.js';
import { training } from '../rl/setup.js';
import { writeLinearCheckpoint } from './checkpoint-fixture.js';

describe('bench trial resolution (spec §9 check 1)', () => {
  it('RL trials first in checkpoint order, then baselines in --bl order with all expanded and duplicates kept', () => {
    const obsSize = observationLayout(2, training.arrivalRateHistoryLength).length;
    const bias = new Array<number>(actionCount(2)).fill(0);
    const a = writeLinearCheckpoint({
      obsSize,
      actionCount: actionCount(2),
      bias,
      name: 'rl_model_5120_steps',
    });
    const b = writeLinearCheckpoint({
      obsSize,
      actionCount: actionCount(2),
      bias,
      name: 'rl_model_10240_steps',
    });
    const names = resolveTrials([a, b], ['heuristic', 'all']).map((f) => f().runName);
    // The reference's resolution, then migflow's own baseline, which `all` also includes (docs/deviations.md).
    expect(names).toEqual([
      'run1-rl_model_5120_steps',
      'run1-rl_model_10240_steps',
      'BASELINE_HEURISTIC',
      'STATIC_NO_MIG',
      'STATIC_SPLIT_EXTREME',
      'BASELINE_HEURISTIC',
      'BASELINE_QAS',
      'BASELINE_LINUCB',
    ]);
  });

  it('nothing to run, RL or static as a baseline name → clear errors', () => {
    expect(() => resolveTrials([], [])).toThrow(
      'No benchmark to run. Use --ckpt for RL and --bl for baselines.',
    );
    expect(() => resolveTrials([], ['RL'])).toThrow(/--bl: RL: unknown benchmark policy — fix: use one of/);
    expect(() => resolveTrials([], ['static'])).toThrow(/unknown benchmark policy/);
  });
});

describe('latest checkpoints (spec §9 check 2)', () => {
  it('keeps the largest rl_model_<N>_steps per run, runs sorted by name, other names ignored', () => {
    const root = mkdtempSync(join(tmpdir(), 'migflow-latest-'));
    for (const p of [
      'r2/checkpoints/rl_model_5120_steps',
      'r2/checkpoints/rl_model_10240_steps',
      'r1/checkpoints/rl_model_99999_steps',
      'r1/checkpoints/final',
      'r3/checkpoints/ppo_mig_resource_manager_5120_steps',
      'r4/logs',
    ])
      mkdirSync(join(root, p), { recursive: true });
    expect(latestCheckpoints(root)).toEqual([
      join(root, 'r1/checkpoints/rl_model_99999_steps'),
      join(root, 'r2/checkpoints/rl_model_10240_steps'),
    ]);
    expect(latestCheckpoints(join(root, 'missing'))).toEqual([]);
  });
});
