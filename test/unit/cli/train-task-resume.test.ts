/**
 * `migflow train --task …` stopped by a signal and resumed with the command it prints: the resume continues the
 * same run (same task, steps and settings; the history up to the checkpoint kept), as a user would do it — the CLI
 * as a process, its trainer child, a real SIGINT. A resume into the run without its task, with another seed or
 * with another --set is refused.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { resumeCommand } from '../../../cli/commands/train.js';
import { checkpointSteps } from '../../../contracts/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-train-task-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const migflow = (args: readonly string[]) =>
  execa(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: PROJECT_ROOT,
    reject: false,
    all: true,
  });

/** The words of a command line as a POSIX shell splits them (plain words and '…' quoting, what resumeCommand writes). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replaceAll("'\\''", "'") : m[2]!,
  );
}

const TOTAL = 256;
const ARGS = [
  'train',
  '--task',
  'medium',
  '--steps',
  String(TOTAL),
  '--checkpoint-every',
  '32',
  '--seed',
  '5',
  '--set',
  'training.PPO.episode_length=16',
  '--set',
  'training.PPO.n_steps=32',
  '--set',
  'training.PPO.batch_size=16',
  '--set',
  'training.PPO.n_epochs=1',
  '--set',
  'training.PPO.net_arch.pi=[16]',
  '--set',
  'training.PPO.net_arch.vf=[16]',
  '--n-envs',
  '1',
  '--no-step-logs',
];

describe('migflow train --task, stopped and resumed', () => {
  it('resumeCommand keeps every option but --resume and --out, quoted for a shell', () => {
    const line = resumeCommand(
      ['--task', 'hard', '--out', '/old', '--set', "a.b=[1, 'x']", '--resume=/ck0', '--steps', '64'],
      '/run/checkpoints/rl_model_32_steps',
      '/run',
    );
    expect(line).toBe(
      "migflow train --task hard --set 'a.b=[1, '\\''x'\\'']' --steps 64 --resume /run/checkpoints/rl_model_32_steps --out /run",
    );
    expect(shellWords(line).slice(4, 6)).toEqual(['--set', "a.b=[1, 'x']"]);
  });

  it(
    'prints a resume command that continues the same run on the same task to its end',
    async () => {
      const run = join(tmp, 'run');
      const ckDir = join(run, 'checkpoints');
      const first = migflow([...ARGS, '--out', run]);
      // Stop once the run has a periodic checkpoint (and is still going).
      const started = Date.now();
      while (
        !(existsSync(ckDir) && readdirSync(ckDir).some((n) => (checkpointSteps(n) ?? 0) > 0)) &&
        first.exitCode === null &&
        Date.now() - started < 120_000
      )
        await sleep(100);
      first.kill('SIGINT');
      const stopped = await first;
      expect(stopped.exitCode, stopped.all).toBe(130);
      const line = /stopped; resume with: (.*)$/m.exec(stopped.stderr)?.[1];
      expect(line, stopped.all).toBeDefined();
      const words = shellWords(line!);
      expect(words.slice(0, 2)).toEqual(['migflow', 'train']);
      const checkpoint = words[words.indexOf('--resume') + 1]!;
      expect(checkpoint.startsWith(`${ckDir}/rl_model_`)).toBe(true);
      const at = checkpointSteps(checkpoint)!;
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(TOTAL);
      const updatesFile = join(run, 'logs', 'updates.jsonl');
      const stoppedUpdates = readFileSync(updatesFile, 'utf8');
      const stoppedMeta = readFileSync(join(run, 'run.json'), 'utf8');
      const before = readFileSync(updatesFile, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => (JSON.parse(l) as { steps: number }).steps <= at);

      // Without its task the resume would train the run on other traffic: refused before anything is written.
      const taskAt = words.indexOf('--task');
      expect(words[taskAt + 1]).toBe('medium');
      const withoutTask = await migflow(words.slice(1).filter((_, i) => i !== taskAt - 1 && i !== taskAt));
      expect(withoutTask.exitCode, withoutTask.all).toBe(1);
      expect(withoutTask.stderr).toMatch(
        /run\.json: task: the run trained on the task .*medium\.yaml, but this resume names no task/,
      );
      expect(withoutTask.stderr).toMatch(
        /fix: resume with that task .*or resume into a new folder \(--out\)/,
      );
      expect(readFileSync(updatesFile, 'utf8')).toBe(stoppedUpdates);
      expect(readFileSync(join(run, 'run.json'), 'utf8')).toBe(stoppedMeta);

      // Another seed or another training setting would continue the run's history under other settings (the net
      // is the same, so the checkpoint alone would load): refused before anything is written, naming both values.
      const replaced = (from: string, to: string) => words.slice(1).map((w) => (w === from ? to : w));
      expect(words[words.indexOf('--seed') + 1]).toBe('5');
      const otherSeed = await migflow(
        words.slice(1).map((w, i) => (i > 0 && words[i] === '--seed' ? '6' : w)),
      );
      expect(otherSeed.exitCode, otherSeed.all).toBe(1);
      expect(otherSeed.stderr).toMatch(/run\.json: settings: .*under other settings: seed 5 → 6/);
      expect(otherSeed.stderr).toMatch(
        /fix: resume with the run's settings .*or resume into a new folder \(--out\)/,
      );
      const otherSet = await migflow(replaced('training.PPO.n_epochs=1', 'training.PPO.n_epochs=2'));
      expect(otherSet.exitCode, otherSet.all).toBe(1);
      expect(otherSet.stderr).toMatch(/run\.json: settings: .*--set training\.PPO\.n_epochs 1 → 2/);
      expect(readFileSync(updatesFile, 'utf8')).toBe(stoppedUpdates);
      expect(readFileSync(join(run, 'run.json'), 'utf8')).toBe(stoppedMeta);

      // A run.json from before `settings` was recorded (its seed still checked) resumes, and records them.
      const recorded = JSON.parse(stoppedMeta) as { settings?: { trainingConfigSha256: string } };
      expect(recorded.settings?.trainingConfigSha256).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(join(run, 'run.json'), JSON.stringify({ ...recorded, settings: undefined }));

      const resumed = await migflow(words.slice(1));
      expect(resumed.exitCode, resumed.all).toBe(0);
      expect(resumed.stdout).toMatch(new RegExp(`steps +${TOTAL} `));

      const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as {
        task: string | null;
        seed: number;
        totalSteps: number;
        overrides: Record<string, unknown>;
        starts: { resumedFrom: string | null; steps: number }[];
        finished?: unknown;
        settings?: unknown;
      };
      // The same run: its task, seed, length and settings, one fresh start and the resume from the stop.
      expect(meta.task).toMatch(/configs\/tasks\/medium\.yaml$/);
      expect(meta).toMatchObject({ seed: 5, totalSteps: TOTAL });
      expect(meta.overrides).toMatchObject({ 'training.PPO.n_steps': 32, 'training.PPO.net_arch.pi': [16] });
      expect(meta.starts.map((s) => [s.resumedFrom, s.steps])).toEqual([
        [null, 0],
        [checkpoint, at],
      ]);
      expect(meta.finished).toBeDefined();
      expect(meta.settings).toEqual(recorded.settings);
      expect(existsSync(join(ckDir, 'final', 'tensors.bin'))).toBe(true);
      // Its history up to the checkpoint kept as it was, then continued to the end.
      const after = readFileSync(updatesFile, 'utf8').trim().split('\n');
      expect(after.slice(0, before.length)).toEqual(before);
      const steps = after.map((l) => (JSON.parse(l) as { steps: number }).steps);
      expect(steps.at(-1)).toBe(TOTAL);
      for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThan(steps[i - 1]!);
    },
    cpuBoundTimeout(40),
  );
});
