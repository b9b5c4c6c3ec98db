/**
 * TensorBoard's HParams data and SB3's time/* scalars. The HParams events are byte-identical to what TensorBoard's
 * own Python writer produces (test/fixtures/tensorboard/hparams-events.hex, made by hparams_bytes.py beside it with
 * `pip install tensorboard` in a scratch venv): session start with a number, a string and a boolean value, and a
 * session end. With several values the Python writer orders map entries by its hash table, so those are checked
 * field by field instead (TensorBoard reads maps in any order).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import {
  hparamsEndEvent,
  hparamsGroupName,
  hparamsOf,
  hparamsStartEvent,
  tfRecord,
} from '../../../core/stages/train/tensorboard-events.js';
import { timeScalars } from '../../../core/stages/train/training-scalars.js';

const FIXTURE = readFileSync(
  join(PROJECT_ROOT, 'test/fixtures/tensorboard/hparams-events.hex'),
  'utf8',
).trim();

describe('TensorBoard HParams events', () => {
  it("encodes session start and end exactly as TensorBoard's hparams_pb and RecordWriter do", () => {
    const bytes = Buffer.concat([
      tfRecord(hparamsStartEvent({ 'training.reward.affinity_bonus_weight': 0.1 }, 'g1', 1796180000.5)),
      tfRecord(hparamsStartEvent({ 'training.PPO.net_arch.pi': '[64,64]' }, 'g2', 1796180000.5)),
      tfRecord(hparamsStartEvent({ sb3_norm: false }, 'g3', 1796180000.5)),
      tfRecord(hparamsEndEvent('success', 2048, 1796180100.25)),
    ]);
    expect(bytes.toString('hex')).toBe(FIXTURE);
  });

  it('takes a trial’s overrides and seed as values; arrays become their JSON; seeds share a group', () => {
    const hp = hparamsOf(
      {
        'training.reward.affinity_bonus_weight': 0.1,
        'training.PPO.net_arch.pi': [64, 64],
        'training.sb3_norm': true,
      },
      { seed: 3 },
    );
    expect(hp).toEqual({
      'training.reward.affinity_bonus_weight': 0.1,
      'training.PPO.net_arch.pi': '[64,64]',
      'training.sb3_norm': true,
      seed: 3,
    });
    expect(hparamsGroupName(hp)).toBe(hparamsGroupName({ ...hp, seed: 4 }));
    expect(hparamsGroupName(hp)).not.toBe(hparamsGroupName({ ...hp, 'training.sb3_norm': false }));
    // Names sorted, each entry once: the multi-value event holds every name in order.
    const text = hparamsStartEvent(hp, 'g', 1).toString('latin1');
    const at = [
      'seed',
      'training.PPO.net_arch.pi',
      'training.reward.affinity_bonus_weight',
      'training.sb3_norm',
    ].map((n) => text.indexOf(n));
    expect(at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1]!))).toBe(true);
  });
});

describe("SB3's time/* scalars", () => {
  it('counts elapsed time, fps, iterations and total timesteps from the update records', () => {
    const u = (update: number, steps: number, collectS: number, updateS: number) => ({
      update,
      steps,
      rolloutSteps: 256,
      collectS,
      updateS,
    });
    const history = [u(1, 256, 1.5, 0.5), u(2, 512, 1, 1), u(3, 768, 2, 2)];
    expect(timeScalars(history[1]!, history)).toEqual([
      { tag: 'time/fps', value: 128, step: 512 },
      { tag: 'time/time_elapsed', value: 4, step: 512 },
      { tag: 'time/iterations', value: 2, step: 512 },
      { tag: 'time/total_timesteps', value: 512, step: 512 },
    ]);
    // Replaying the history after a resume gives the same values (only earlier updates count).
    expect(timeScalars(history[0]!, history)[1]).toEqual({ tag: 'time/time_elapsed', value: 2, step: 256 });
  });
});
