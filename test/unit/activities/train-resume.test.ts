import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resumePoint } from '../../../core/stages/train/index.js';

const run = mkdtempSync(join(tmpdir(), 'migflow-resume-'));
afterAll(() => rmSync(run, { recursive: true, force: true }));
const ck = (name: string) => {
  mkdirSync(join(run, 'checkpoints', name), { recursive: true });
  return join(run, 'checkpoints', name);
};

describe('resumePoint', () => {
  it('starts over when the run directory holds no checkpoint and no heartbeat names one', () => {
    expect(resumePoint(join(run, 'nothing-here'), undefined)).toBeUndefined();
  });

  it('takes the newest complete checkpoint in the run, newer than the heartbeat’s, ignoring temp dirs and final', () => {
    const older = ck('rl_model_256_steps');
    ck('rl_model_1000_steps'); // written by the trainer after the last heartbeat reached the server
    ck('.rl_model_2048_steps.123.abcd.tmp'); // a write in progress when it died
    ck('final');
    expect(resumePoint(run, older)).toBe(join(run, 'checkpoints', 'rl_model_1000_steps'));
  });

  it('ignores a heartbeat checkpoint that no longer exists', () => {
    expect(resumePoint(run, join(run, 'checkpoints', 'rl_model_4096_steps'))).toBe(
      join(run, 'checkpoints', 'rl_model_1000_steps'),
    );
  });
});
