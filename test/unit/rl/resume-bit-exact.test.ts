/**
 * A run resumed from a checkpoint that fell on an episode end continues exactly as the uninterrupted run: same
 * weights, Adam moments and normaliser statistics (tensors.bin byte for byte) and the same update losses, with one
 * environment (tape update), two (data-parallel update on worker threads) and after a warm start. The environment's
 * state carried across episodes (the simulator's arrival-rate history and last downtime, spec §8.3) is part of the
 * checkpoint for that; a checkpoint written before it was saved still resumes, its next episode starting without it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { updateRecordsWithoutTimings } from './run-digest.js';
import { TINY_PPO } from './setup.js';
import { useTfBackend } from './tf-setup.js';

/** Measured 2.5–6 s per case at load 3 on two cores (two environments start worker threads). */
const TRAINING_TIMEOUT = cpuBoundTimeout(14);

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// 16-decision episodes, 32-step rollouts: a checkpoint every 32 steps per environment falls on an episode end.
const STEPS_PER_ENV = 96;
const CHECKPOINT_PER_ENV = 32;

interface Case {
  readonly name: string;
  readonly nEnvs: number;
  readonly warm: boolean;
}

function options(c: Case, runDir: string) {
  return {
    trainingConfigPath: 'configs/training_config.yaml',
    simulationConfigPath: 'configs/simulation_config.yaml',
    overrides: { ...TINY_PPO, 'training.PPO.n_envs': c.nEnvs },
    runDir,
    totalSteps: STEPS_PER_ENV * c.nEnvs,
    checkpointEverySteps: CHECKPOINT_PER_ENV * c.nEnvs,
    seed: 3,
    syntheticTokens: true,
    ...(c.warm ? { warmStart: 'static_split_extreme' as const, warmStartSteps: 64 } : {}),
  };
}

const tensorsBin = (checkpoint: string) => readFileSync(join(checkpoint, 'tensors.bin'));

/** Runs `c` uninterrupted, and again resumed from the uninterrupted run's first checkpoint (a kill right after it). */
async function uninterruptedAndResumed(c: Case, from: (checkpoint: string) => string = (p) => p) {
  const a = join(tmp, `${c.name}-uninterrupted`);
  const b = join(tmp, `${c.name}-resumed`);
  const full = await runTraining(options(c, a));
  const at = CHECKPOINT_PER_ENV * c.nEnvs;
  const checkpoint = from(join(a, 'checkpoints', `rl_model_${at}_steps`));
  const resumed = await runTraining({ ...options(c, b), resumeFrom: checkpoint });
  return { a, b, at, checkpoint, full, resumed };
}

describe('a resumed run continues bit for bit', { timeout: TRAINING_TIMEOUT }, () => {
  it.each<Case>([
    { name: 'one-env', nEnvs: 1, warm: false },
    { name: 'two-envs', nEnvs: 2, warm: false },
    { name: 'warm-started', nEnvs: 1, warm: true },
  ])('$name: same tensors and update losses as the uninterrupted run', async (c) => {
    const { a, b, at, checkpoint, full, resumed } = await uninterruptedAndResumed(c);
    // The checkpoint holds each environment's carried state: agents × 5 past arrival rates + the last downtime.
    const trainer = readCheckpoint(checkpoint).meta.trainer as {
      envCarried?: number[];
      envs?: { carried?: number[] }[];
    };
    const carried = c.nEnvs === 1 ? [trainer.envCarried] : trainer.envs!.map((e) => e.carried);
    for (const s of carried) expect(s).toHaveLength(2 * 5 + 1);

    expect(resumed.steps).toBe(full.steps);
    expect(tensorsBin(resumed.finalCheckpoint).equals(tensorsBin(full.finalCheckpoint))).toBe(true);
    const mid = `rl_model_${2 * at}_steps`;
    expect(tensorsBin(join(b, 'checkpoints', mid)).equals(tensorsBin(join(a, 'checkpoints', mid)))).toBe(
      true,
    );
    // The resumed run's log keeps nothing before the checkpoint (another run directory): compare what follows it.
    const after = updateRecordsWithoutTimings(a).filter((u) => (u.steps as number) > at);
    expect(after).toHaveLength(2);
    expect(updateRecordsWithoutTimings(b)).toEqual(after);
  });

  it('a checkpoint inside an episode cuts it: a fresh episode follows, carrying what the last finished one left', async () => {
    const c: Case = { name: 'mid-episode', nEnvs: 1, warm: false };
    const a = join(tmp, 'mid-episode-uninterrupted');
    const b = join(tmp, 'mid-episode-resumed');
    // A checkpoint every 8 steps: rl_model_40_steps is 8 decisions into the third 16-decision episode.
    await runTraining({ ...options(c, a), checkpointEverySteps: 8 });
    const cut = readCheckpoint(join(a, 'checkpoints', 'rl_model_40_steps')).meta;
    const t = cut.trainer as {
      resets: number;
      pendingReset: boolean;
      episodeLength: number;
      envCarried: number[];
    };
    expect([t.resets, t.pendingReset, t.episodeLength, cut.episodes]).toEqual([3, false, 8, 2]);
    const lastEnded = readCheckpoint(join(a, 'checkpoints', 'rl_model_32_steps')).meta.trainer as {
      envCarried: number[];
    };
    expect(t.envCarried).toEqual(lastEnded.envCarried);

    const resumed = await runTraining({
      ...options(c, b),
      checkpointEverySteps: 8,
      resumeFrom: join(a, 'checkpoints', 'rl_model_40_steps'),
    });
    // The cut episode is left out of the statistics; the next ones start at the next reset index, 16 decisions each.
    const episodes = readFileSync(join(b, 'logs', 'episodes.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { episode: number; steps: number; length: number });
    expect(episodes.map((e) => [e.episode, e.steps, e.length])).toEqual([
      [3, 56, 16],
      [4, 72, 16],
      [5, 88, 16],
    ]);
    expect(resumed.steps).toBe(STEPS_PER_ENV);
    expect((readCheckpoint(resumed.finalCheckpoint).meta.trainer as { resets: number }).resets).toBe(7);
    // The stored transitions before the cut stay in the rollout, and the step after it starts an episode, so GAE
    // does not bootstrap the cut one; the uninterrupted run's episode simply went on there.
    const starts = (dir: string) =>
      readCheckpoint(join(dir, 'checkpoints', 'rl_model_48_steps')).tensors.get('buffer/episode_starts')!;
    expect(starts(b).subarray(0, 8)).toEqual(starts(a).subarray(0, 8));
    expect([starts(a)[8], starts(b)[8]]).toEqual([0, 1]);
  });

  it('a checkpoint without the carried state (written before it was saved) still resumes, without it', async () => {
    const c: Case = { name: 'old-format', nEnvs: 1, warm: false };
    const { a, resumed } = await uninterruptedAndResumed(c, (checkpoint) => {
      const old = join(tmp, 'old-format-checkpoint');
      cpSync(checkpoint, old, { recursive: true });
      const file = join(old, 'checkpoint.json');
      const meta = JSON.parse(readFileSync(file, 'utf8')) as { trainer: { envCarried?: unknown } };
      expect(meta.trainer.envCarried).toBeDefined();
      delete meta.trainer.envCarried;
      writeFileSync(file, JSON.stringify(meta, null, 2));
      return old;
    });
    expect(resumed.steps).toBe(STEPS_PER_ENV);
    expect(readCheckpoint(resumed.finalCheckpoint).meta.steps).toBe(STEPS_PER_ENV);
    // Its next episode started from a fresh simulator's history, so its observations — and update — differ.
    const next = updateRecordsWithoutTimings(a).find((u) => (u.steps as number) === 2 * CHECKPOINT_PER_ENV)!;
    const resumedNext = updateRecordsWithoutTimings(join(tmp, 'old-format-resumed'))[0]!;
    expect(resumedNext.steps).toBe(next.steps);
    expect(resumedNext.valueLoss).not.toBe(next.valueLoss);
  });
});
