/** `migflow train --out`: two runs never share a run directory (issue 14); checked before anything is written. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareRunDir, registerTrainCommand } from '../../../cli/commands/train.js';
import { ConfigError } from '../../../core/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-train-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A run directory as runTraining leaves it, with these checkpoint folders. */
function runDir(name: string, checkpoints: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'run.json'), '{"starts":[]}');
  for (const c of checkpoints) mkdirSync(join(dir, 'checkpoints', c));
  return dir;
}

const refusal = (f: () => void) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('prepareRunDir', () => {
  it('accepts a new or empty folder', () => {
    expect(() => prepareRunDir(join(tmp, 'new'), undefined)).not.toThrow();
    mkdirSync(join(tmp, 'empty'));
    expect(() => prepareRunDir(join(tmp, 'empty'), undefined)).not.toThrow();
  });

  it('refuses a folder that is not a run directory, naming --out', () => {
    const dir = join(tmp, 'foreign');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(refusal(() => prepareRunDir(dir, undefined))).toMatch(/--out.*not a training run directory/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses a fresh run over an earlier run with checkpoints and names the resume command', () => {
    const dir = runDir('earlier', ['rl_model_128_steps', 'rl_model_256_steps']);
    const msg = refusal(() => prepareRunDir(dir, undefined));
    expect(msg).toContain(`--resume ${join(dir, 'checkpoints', 'rl_model_256_steps')} --out ${dir}`);
    // With the options the command was given (its task, steps, overrides), not without them.
    expect(
      refusal(() => prepareRunDir(dir, undefined, ['--task', 'hard', '--set', 'a=[1]', '--out', dir])),
    ).toContain(
      `continue it: migflow train --task hard --set 'a=[1]' --resume ${join(dir, 'checkpoints', 'rl_model_256_steps')} --out ${dir}`,
    );
    expect(
      refusal(() => prepareRunDir(runDir('finished', ['rl_model_512_steps', 'final']), undefined)),
    ).toContain('finished');
  });

  it("resumes only the folder's own checkpoints into it", () => {
    const dir = runDir('resumable', ['rl_model_128_steps']);
    expect(() => prepareRunDir(dir, join(dir, 'checkpoints', 'rl_model_128_steps'))).not.toThrow();
    const other = runDir('other', ['rl_model_64_steps']);
    expect(refusal(() => prepareRunDir(dir, join(other, 'checkpoints', 'rl_model_64_steps')))).toContain(
      'would mix two runs',
    );
  });

  it('clears a run killed before its first checkpoint (nothing to resume)', () => {
    const dir = runDir('early-kill', []);
    writeFileSync(join(dir, 'snapshots.yaml'), 'x');
    prepareRunDir(dir, undefined);
    expect(existsSync(dir) && readdirSync(dir)).toEqual([]);
  });
});

describe('migflow train names the resume command from its parsed arguments', () => {
  it('not from a scan of process.argv for the word train', async () => {
    const dir = runDir('parsed', ['rl_model_64_steps']);
    const program = new Command('migflow').exitOverride();
    registerTrainCommand(program);
    const argv = process.argv;
    // The process's own arguments are not this command line (a wrapper, a test runner parsing it) and hold the word.
    process.argv = [process.execPath, '/opt/wrapper', 'train', '--seed', '9'];
    try {
      await expect(
        program.parseAsync(['train', '--seed', '3', '--set', 'note=train', '--out', dir], { from: 'user' }),
      ).rejects.toThrow(
        `continue it: migflow train --seed 3 --set note=train --resume ${join(dir, 'checkpoints', 'rl_model_64_steps')} --out ${dir}`,
      );
    } finally {
      process.argv = argv;
    }
  });
});
