import { describe, expect, it } from 'vitest';
import { expandGrid, parseGridSearchConfig, trialId } from '../../../core/config/grid-search.js';
import { configErrorOf as configError } from '../../helpers/config-error.js';

const BASE = {
  training: {
    'action-interval': 120,
    PPO: { n_steps: 2048, batch_size: 256, net_arch: { pi: [512, 512] } },
    reward: { affinity_bonus_weight: 0.2, use_affinity_bonus: true },
  },
};

const GRID_2x2 = `training:
  PPO:
    batch_size: [128, 256]
  reward:
    affinity_bonus_weight: [0.1, 0.3]
`;

describe('grid search', () => {
  it('expands a 2×2 grid into 4 trials in product order with the values applied', () => {
    const trials = expandGrid(parseGridSearchConfig('grid.yaml', GRID_2x2), BASE);
    expect(trials.map((t) => t.params)).toEqual([
      { 'training.PPO.batch_size': 128, 'training.reward.affinity_bonus_weight': 0.1 },
      { 'training.PPO.batch_size': 128, 'training.reward.affinity_bonus_weight': 0.3 },
      { 'training.PPO.batch_size': 256, 'training.reward.affinity_bonus_weight': 0.1 },
      { 'training.PPO.batch_size': 256, 'training.reward.affinity_bonus_weight': 0.3 },
    ]);
    const t1 = trials[1]!.config as typeof BASE;
    expect(t1.training.PPO.batch_size).toBe(128);
    expect(t1.training.reward.affinity_bonus_weight).toBe(0.3);
    // Untouched fields survive, and the base is not modified.
    expect(t1.training.reward.use_affinity_bonus).toBe(true);
    expect(t1.training.PPO.net_arch.pi).toEqual([512, 512]);
    expect(BASE.training.PPO.batch_size).toBe(256);
    expect(new Set(trials.map((t) => t.id)).size).toBe(4);
    for (const t of trials) expect(t.id).toMatch(/^t-[0-9a-f]{12}$/);
  });

  it('gives a trial the same id whatever the order of keys in the file', () => {
    const a = expandGrid(parseGridSearchConfig('a.yaml', GRID_2x2), BASE);
    const reordered = `training:\n  reward:\n    affinity_bonus_weight: [0.3, 0.1]\n  PPO:\n    batch_size: [256, 128]\n`;
    const b = expandGrid(parseGridSearchConfig('b.yaml', reordered), BASE);
    expect(new Set(b.map((t) => t.id))).toEqual(new Set(a.map((t) => t.id)));
    expect(a[0]!.id).toBe(
      trialId({ 'training.reward.affinity_bonus_weight': 0.1, 'training.PPO.batch_size': 128 }),
    );
  });

  it('sweeps list-valued fields with a list of lists', () => {
    const grid = parseGridSearchConfig(
      'g.yaml',
      'training:\n  PPO:\n    net_arch:\n      pi: [[64, 64], [256]]\n',
    );
    const trials = expandGrid(grid, BASE);
    expect(trials.map((t) => (t.config as typeof BASE).training.PPO.net_arch.pi)).toEqual([[64, 64], [256]]);
  });

  it('names a key the training config does not have, with its line, and lists the valid ones', () => {
    const grid = parseGridSearchConfig('grid.yaml', 'training:\n  reward:\n    affinity_weight: [0.1]\n');
    const e = configError(() => expandGrid(grid, BASE));
    expect(e.file).toBe('grid.yaml');
    expect(e.field).toBe('training.reward.affinity_weight (line 3)');
    expect(e.problem).toContain(
      '"affinity_weight" is not a field of the training config under training.reward',
    );
    // The training schema's fields there, whether or not the base YAML writes them.
    expect(e.fix).toBe(
      'sweep only fields of the training config; under training.reward they are: Q, alpha, w_ttft, w_tpot, gamma, scaling, clipping, use_quality_bonus, use_affinity_bonus, affinity_bonus_weight',
    );
  });

  it('sweeps a field the base YAML leaves to its default, creating its section when that is absent too', () => {
    const grid = parseGridSearchConfig(
      'grid.yaml',
      'training:\n  PPO:\n    target_kl: [0.01, 0.02]\n  action_mask:\n    action_cooldown: [4]\n',
    );
    const trials = expandGrid(grid, BASE);
    expect(trials.map((t) => t.params)).toEqual([
      { 'training.PPO.target_kl': 0.01, 'training.action_mask.action_cooldown': 4 },
      { 'training.PPO.target_kl': 0.02, 'training.action_mask.action_cooldown': 4 },
    ]);
    const c = trials[1]!.config as { training: Record<string, Record<string, unknown>> };
    expect(c.training.PPO!.target_kl).toBe(0.02);
    expect(c.training.action_mask).toEqual({ action_cooldown: 4 });
    expect(BASE.training).not.toHaveProperty('action_mask');
  });

  it('refuses to sweep under a field that holds a value, in the schema or only in the base YAML', () => {
    const scalar = parseGridSearchConfig('grid.yaml', 'training:\n  sb3_norm:\n    x: [1]\n');
    expect(configError(() => expandGrid(scalar, BASE)).problem).toBe(
      '"training.sb3_norm" is not a section of the training config',
    );
    const broken = { training: { ...BASE.training, action_mask: 5 } };
    const grid = parseGridSearchConfig('grid.yaml', 'training:\n  action_mask:\n    action_cooldown: [4]\n');
    const e = configError(() => expandGrid(grid, broken));
    expect(e.field).toBe('training.action_mask.action_cooldown (line 3)');
    expect(e.problem).toBe(
      'the training config holds 5 at training.action_mask, where its schema has a section',
    );
  });

  it('rejects a value whose kind differs from the training config’s', () => {
    const grid = parseGridSearchConfig('grid.yaml', 'training:\n  PPO:\n    batch_size: [128, "256"]\n');
    const e = configError(() => expandGrid(grid, BASE));
    expect(e.field).toBe('training.PPO.batch_size[1] (line 3)');
    expect(e.fix).toBe('write a number here');
  });

  it('requires every leaf to be a non-empty list without repeats', () => {
    const scalar = configError(() =>
      parseGridSearchConfig('grid.yaml', 'training:\n  PPO:\n    batch_size: 128\n'),
    );
    expect(scalar.field).toBe('training.PPO.batch_size (line 3)');
    expect(scalar.problem).toContain('a grid leaf must be a list of values to try');
    expect(scalar.fix).toBe('write batch_size: [128] (or list several values)');
    const empty = configError(() =>
      parseGridSearchConfig('grid.yaml', 'training:\n  PPO:\n    batch_size: []\n'),
    );
    expect(empty.problem).toContain('empty list');
    const dup = configError(() =>
      parseGridSearchConfig('grid.yaml', 'training:\n  PPO:\n    batch_size: [64, 64]\n'),
    );
    expect(dup.field).toBe('training.PPO.batch_size[1] (line 3)');
  });

  it('runs the caller’s validation on every applied config', () => {
    const seen: unknown[] = [];
    const grid = parseGridSearchConfig('grid.yaml', GRID_2x2);
    expandGrid(grid, BASE, {
      validate: (config) => seen.push((config as typeof BASE).training.PPO.batch_size),
    });
    expect(seen).toEqual([128, 128, 256, 256]);
    expect(() =>
      expandGrid(grid, BASE, {
        validate: (config) => {
          if ((config as typeof BASE).training.PPO.batch_size < 200) throw new Error('batch too small');
        },
      }),
    ).toThrow('batch too small');
  });
});
