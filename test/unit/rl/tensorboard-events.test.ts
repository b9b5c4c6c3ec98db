/**
 * TensorBoard event files: byte-identical to what TensorBoard's own Python writer produces for the same events, and
 * a training run (resumed once) leaves one event file whose scalars form one timeline under SB3's tags.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTraining, TrainingAbortedError } from '../../../core/rl/train/run-training.js';
import {
  crc32c,
  fileVersionEvent,
  scalarEvent,
  tfRecord,
} from '../../../core/rl/train/tensorboard-events.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-tboard-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Written by tensorboard 2.x's `RecordWriter` (pip install tensorboard) for
 * Event(wall_time=1796180000.5, file_version="brain.Event:2") and
 * Event(wall_time=1796180001.25, step=5120, summary={rollout/ep_rew_mean: -12.25}).
 */
const TENSORBOARD_BYTES =
  '1800000000000000a37f4b220900002008e2c3da411a0d627261696e2e4576656e743a32c10d09bb' +
  '2a00000000000000ae8d91f50900005008e2c3da411080282a1c0a1a0a13726f6c6c6f75742f65705f7265775f6d65616e15000044c1ae9b57f1';

/** Reads back TFRecord frames (checking both CRCs) and each Event's step and scalar, the way TensorBoard does. */
function readScalars(file: string): { tag: string; value: number; step: number }[] {
  const buf = readFileSync(file);
  const masked = (b: Buffer) => {
    const c = crc32c(b);
    return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
  };
  const out: { tag: string; value: number; step: number }[] = [];
  let at = 0;
  while (at < buf.length) {
    const len = Number(buf.readBigUInt64LE(at));
    expect(buf.readUInt32LE(at + 8)).toBe(masked(buf.subarray(at, at + 8)));
    const payload = buf.subarray(at + 12, at + 12 + len);
    expect(buf.readUInt32LE(at + 12 + len)).toBe(masked(payload));
    at += 16 + len;
    // Event: 0x09 wall_time (8 bytes), optional 0x10 step (varint), then 0x1a file_version or 0x2a summary.
    let p = 9;
    let step = 0;
    if (payload[p] === 0x10) {
      p++;
      let shift = 0;
      for (;;) {
        const b = payload[p++]!;
        step += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
    }
    if (payload[p] !== 0x2a) continue;
    // Summary(len) → Value(len) → tag (0x0a len bytes) → simple_value (0x15 float).
    p += 4;
    const tagLen = payload[p + 1]!;
    const tag = payload.subarray(p + 2, p + 2 + tagLen).toString('utf8');
    const value = payload.readFloatLE(p + 3 + tagLen);
    out.push({ tag, value, step });
  }
  return out;
}

describe('TensorBoard event files', () => {
  it("frames and encodes events exactly as TensorBoard's own writer does", () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const bytes = Buffer.concat([
      tfRecord(fileVersionEvent(1796180000.5)),
      tfRecord(scalarEvent('rollout/ep_rew_mean', -12.25, 5120, 1796180001.25)),
    ]);
    expect(bytes.toString('hex')).toBe(TENSORBOARD_BYTES);
  });

  it("a resumed training run leaves one event file with SB3's scalars on one timeline up to the total", async () => {
    const runDir = join(tmp, 'run');
    const common = {
      trainingConfigPath: 'configs/training_config.yaml',
      simulationConfigPath: 'configs/simulation_config.yaml',
      overrides: {
        'training.PPO.episode_length': 16,
        'training.PPO.n_steps': 32,
        'training.PPO.batch_size': 16,
        'training.PPO.n_epochs': 2,
        'training.PPO.net_arch.pi': [16],
        'training.PPO.net_arch.vf': [16],
      },
      runDir,
      totalSteps: 160,
      checkpointEverySteps: 32,
      seed: 5,
      syntheticTokens: true,
    };
    const controller = new AbortController();
    const err = await runTraining({
      ...common,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.steps >= 100) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingAbortedError);
    await runTraining({ ...common, resumeFrom: (err as TrainingAbortedError).checkpoint! });

    const files = readdirSync(join(runDir, 'tensorboard'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
    const scalars = readScalars(join(runDir, 'tensorboard', files[0]!));
    const steps = (tag: string) => scalars.filter((s) => s.tag === tag).map((s) => s.step);
    // One update per 32-step rollout: 32, 64, …, 160, none repeated across the resume.
    expect(steps('train/value_loss')).toEqual([32, 64, 96, 128, 160]);
    expect(steps('rollout/ep_rew_mean')).toEqual([32, 64, 96, 128, 160]);
    for (const tag of [
      'train/policy_gradient_loss',
      'train/entropy_loss',
      'train/approx_kl',
      'train/learning_rate',
    ])
      expect(steps(tag)).toHaveLength(5);
    const lens = scalars.filter((s) => s.tag === 'rollout/ep_len_mean').map((s) => s.value);
    expect(lens.every((l) => l === 16)).toBe(true);
    const updates = readFileSync(join(runDir, 'logs', 'updates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { steps: number; valueLoss: number });
    const valueLoss = scalars.filter((s) => s.tag === 'train/value_loss').map((s) => s.value);
    // simple_value is a float32: the logged double, rounded.
    expect(valueLoss).toEqual(updates.map((u) => Math.fround(u.valueLoss)));
  });
});
