/**
 * The train stage stopped while its trainer cannot say where it saved (the child is SIGKILLed — the OOM killer, a
 * power cut of the process — just as the stop is asked for, so its "cancelled" message never comes): the stage still
 * names a resume point, the newest complete checkpoint in the run directory, or none when the run wrote none.
 * Real parts: the stage's own child process, a real SIGKILL.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointSteps } from '../../../contracts/index.js';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { TrainingStoppedError, trainStage } from '../../../core/stages/train/index.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { TINY_PPO } from './setup.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-train-stop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The pid of this process's trainer child (Linux /proc), once it runs. */
function trainChildPid(): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('train-child')) return Number(name);
    } catch {
      // Gone while we looked.
    }
  }
  return undefined;
}

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const periodicCheckpoints = (runDir: string) =>
  existsSync(join(runDir, 'checkpoints'))
    ? readdirSync(join(runDir, 'checkpoints')).filter((n) => (checkpointSteps(n) ?? 0) > 0)
    : [];

/** Starts a run, waits for `ready`, then SIGKILLs its trainer and asks the stage to stop in the same tick. */
async function stopWithLostMessage(runDir: string, checkpointEverySteps: number, ready: () => boolean) {
  const ac = new AbortController();
  const run = trainStage.run(
    {
      trainingConfig: 'configs/training_config.yaml',
      simulationConfig: 'configs/simulation_config.yaml',
      overrides: TINY_PPO,
      seed: 1,
      totalSteps: 1_000_000,
      checkpointEverySteps,
      syntheticTokens: true,
      stepLogs: false,
    },
    runDir,
    { signal: ac.signal },
  );
  const failed = run.then(
    () => undefined,
    (err: unknown) => err,
  );
  const pid = await until('the trainer child', trainChildPid);
  await until('the run to be ready', () => (ready() ? true : undefined));
  process.kill(pid, 'SIGKILL');
  ac.abort();
  return failed;
}

describe('the train stage stopped without its trainer’s stop message', {
  timeout: cpuBoundTimeout(30),
}, () => {
  it('names the newest checkpoint in the run directory as the resume point', async () => {
    const runDir = join(tmp, 'with-checkpoints');
    // Two periodic checkpoints, so "newest" is a choice.
    const err = await stopWithLostMessage(runDir, 32, () => periodicCheckpoints(runDir).length >= 2);
    expect(err).toBeInstanceOf(TrainingStoppedError);
    const newest = periodicCheckpoints(runDir).sort((a, b) => checkpointSteps(b)! - checkpointSteps(a)!)[0]!;
    expect((err as TrainingStoppedError).checkpoint).toBe(join(runDir, 'checkpoints', newest));
    expect((err as Error).message).toContain(`state saved in ${join(runDir, 'checkpoints', newest)}`);
    // A complete checkpoint a resume can load, not a stop checkpoint the killed trainer never wrote.
    expect(readCheckpoint((err as TrainingStoppedError).checkpoint!).meta.steps).toBe(
      checkpointSteps(newest),
    );
    expect(checkpointSteps(newest)! % 32).toBe(0);
  });

  it('names none when the run had written no checkpoint', async () => {
    const runDir = join(tmp, 'none-yet');
    const err = await stopWithLostMessage(runDir, 1_000_000, () => existsSync(join(runDir, 'run.json')));
    expect(err).toBeInstanceOf(TrainingStoppedError);
    expect((err as TrainingStoppedError).checkpoint).toBeUndefined();
    expect((err as Error).message).toBe('training stopped');
  });
});
