/**
 * TensorBoard event files: byte-identical to what TensorBoard's own Python writer produces for the same events. (A
 * resumed training run's event file is checked in checkpoint.test.ts, alongside the rest of the resume.)
 */
import { describe, expect, it } from 'vitest';
import {
  crc32c,
  fileVersionEvent,
  scalarEvent,
  tfRecord,
} from '../../../core/stages/train/tensorboard-events.js';

/**
 * Written by tensorboard 2.x's `RecordWriter` (pip install tensorboard) for
 * Event(wall_time=1796180000.5, file_version="brain.Event:2") and
 * Event(wall_time=1796180001.25, step=5120, summary={rollout/ep_rew_mean: -12.25}).
 */
const TENSORBOARD_BYTES =
  '1800000000000000a37f4b220900002008e2c3da411a0d627261696e2e4576656e743a32c10d09bb' +
  '2a00000000000000ae8d91f50900005008e2c3da411080282a1c0a1a0a13726f6c6c6f75742f65705f7265775f6d65616e15000044c1ae9b57f1';

describe('TensorBoard event files', () => {
  it("frames and encodes events exactly as TensorBoard's own writer does", () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const bytes = Buffer.concat([
      tfRecord(fileVersionEvent(1796180000.5)),
      tfRecord(scalarEvent('rollout/ep_rew_mean', -12.25, 5120, 1796180001.25)),
    ]);
    expect(bytes.toString('hex')).toBe(TENSORBOARD_BYTES);
  });
});
