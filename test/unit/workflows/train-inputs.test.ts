import { describe, expect, it } from 'vitest';
import { parseOverrides } from '../../../cli/lib/options.js';
import {
  checkpointSteps,
  GridSearchInput,
  type GridTrialOutcome,
  paramsSummary,
  TrainWorkflowInput,
} from '../../../contracts/index.js';
import { gridTable } from '../../../workflows/grid-search.js';
import { bestCheckpoint } from '../../../workflows/pipeline.js';

describe('training workflow inputs', () => {
  it('fill the documented defaults', () => {
    const t = TrainWorkflowInput.parse({});
    expect(t).toMatchObject({
      trainingConfig: 'configs/training_config.yaml',
      simulationConfig: 'configs/simulation_config.yaml',
      overrides: {},
      seed: 0,
      gpu: 0,
      syntheticTokens: true,
      heartbeatTimeoutS: 60,
    });
    expect(GridSearchInput.parse({}).gpus).toEqual([0]);
  });

  it('take n_envs as a number or auto, a warm-start baseline by name, and per-trial seeds on request', () => {
    expect(TrainWorkflowInput.parse({ nEnvs: 2, warmStart: 'qas' })).toMatchObject({
      nEnvs: 2,
      warmStart: 'qas',
      benchConfig: 'configs/bench_config.yaml',
    });
    expect(TrainWorkflowInput.parse({ nEnvs: 'auto' }).nEnvs).toBe('auto');
    expect(TrainWorkflowInput.safeParse({ nEnvs: 0 }).success).toBe(false);
    expect(TrainWorkflowInput.safeParse({ nEnvs: 'many' }).success).toBe(false);
    expect(TrainWorkflowInput.safeParse({ warmStart: 'linucb' }).success).toBe(false);
    expect(GridSearchInput.parse({}).seedPerTrial).toBe(false);
    expect(GridSearchInput.parse({ seedPerTrial: true, nEnvs: 'auto' })).toMatchObject({
      seedPerTrial: true,
      nEnvs: 'auto',
    });
  });

  it('refuse a GPU listed twice in a grid search (two trials would share one GPU)', () => {
    expect(GridSearchInput.safeParse({ gpus: [1, 1] }).success).toBe(false);
  });

  it('summarise params by their last path segment for Web UI rows', () => {
    expect(
      paramsSummary({ 'training.reward.affinity_bonus_weight': 0.1, 'training.PPO.net_arch.pi': [16] }),
    ).toBe('affinity_bonus_weight=0.1 pi=[16]');
    expect(paramsSummary({ 'a.b': 'x'.repeat(200) }, 20)).toHaveLength(20);
  });
});

describe('migflow run train --set', () => {
  it('reads values as YAML so numbers, lists and booleans keep their types', () => {
    expect(
      parseOverrides([
        'training.PPO.n_steps=64',
        'training.PPO.net_arch.pi=[16, 16]',
        'training.sb3_norm=false',
      ]),
    ).toEqual({
      'training.PPO.n_steps': 64,
      'training.PPO.net_arch.pi': [16, 16],
      'training.sb3_norm': false,
    });
  });

  it('explains the expected form when the = is missing', () => {
    expect(() => parseOverrides(['training.PPO.n_steps'])).toThrow(/<dotted\.path>=<value>/);
  });
});

describe('checkpointSteps', () => {
  it('reads the step count from a periodic checkpoint name and nothing else', () => {
    expect(checkpointSteps('/a/checkpoints/rl_model_5120_steps')).toBe(5120);
    expect(checkpointSteps('/a/checkpoints/final')).toBeNull();
  });
});

describe('gridTable', () => {
  it('lists every trial with its values, status, reward and best checkpoint or error', () => {
    const table = gridTable([
      {
        trialKey: 't-1',
        index: 0,
        params: { 'x.y': 1 },
        status: 'completed',
        workflowId: 'g/train/t-1',
        gpu: 0,
        meanEpisodeReward: -1.5,
        bestCheckpoint: '/r/best',
      },
      {
        trialKey: 't-2',
        index: 1,
        params: { 'x.y': 2 },
        status: 'failed',
        workflowId: 'g/train/t-2',
        error: 'boom',
      },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('| trial | id | status | gpu | train reward (★ ranks) | best checkpoint / error |');
    expect(lines[2]).toContain('★ y=1 | t-1 | completed | gpu-0 | -1.500 | `/r/best`');
    expect(lines[3]).toContain('| y=2 | t-2 | failed |  |  | boom');
  });

  it('stars the best held-out evaluation reward when every completed trial has one, and says so', () => {
    const completed = (i: number, train: number, evalReward: number) => ({
      trialKey: `t-${i}`,
      index: i,
      params: { 'x.y': i },
      status: 'completed' as const,
      workflowId: `g/train/t-${i}`,
      meanEpisodeReward: train,
      evalReward,
      bestBy: 'eval_reward' as const,
    });
    const lines = gridTable([completed(1, 9, -2), completed(2, -9, 4)]).split('\n');
    expect(lines[0]).toBe(
      '| trial | id | status | gpu | train reward | eval reward (★ ranks) | best checkpoint / error |',
    );
    expect(lines[2]).toBe('| y=1 | t-1 | completed |  | 9.000 | -2.000 |  |');
    expect(lines[3]).toBe('| ★ y=2 | t-2 | completed |  | -9.000 | 4.000 |  |');
  });
});

describe('deploy.policy best-checkpoint', () => {
  const train = (trials: GridTrialOutcome[]) => ({
    train: { total: trials.length, completed: 0, failed: 0, running: 0, trials, runId: 'r', table: '' },
  });
  const done = (i: number, meanEpisodeReward: number, evalReward?: number): GridTrialOutcome => ({
    trialKey: `t-${i}`,
    index: i,
    params: {},
    status: 'completed',
    workflowId: `g/train/t-${i}`,
    meanEpisodeReward,
    ...(evalReward !== undefined ? { evalReward } : {}),
    bestCheckpoint: `/r/t-${i}/best`,
  });

  it('deploys the trial the grid table stars: by evaluation reward when every trial has one, else training reward', () => {
    expect(bestCheckpoint(train([done(0, 5, 1), done(1, -5, 2)]))).toBe('/r/t-1/best');
    expect(bestCheckpoint(train([done(0, 5, 1), done(1, -5)]))).toBe('/r/t-0/best');
    expect(() => bestCheckpoint(train([]))).toThrow(/no training trial completed/);
  });
});
